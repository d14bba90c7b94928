import { hostname } from 'node:os';
import { ConfigError, EnvReader, loadConfigOrExit } from '@shop/common';

export interface IdentityConfig {
  port: number;
  instanceId: string;
  advertiseHost: string;
  redisUrl: string;
  registryUrls: string[];
  registryToken: string;
  /** The password of the demo customers c-1..c-100; empty: no demo customers (a real deployment). */
  demoCustomerPassword: string;
  /** The password of the operator `ops`; empty: nobody can sign in as an operator. */
  operatorPassword: string;
}

export function readIdentityConfig(env: EnvReader): IdentityConfig {
  const port = env.int('PORT', { default: 3004, min: 1, max: 65535 });
  const config: IdentityConfig = {
    port,
    instanceId: env.string('INSTANCE_ID', { default: `identity-${hostname()}-${port}` }),
    advertiseHost: env.string('ADVERTISE_HOST', { default: '127.0.0.1' }),
    redisUrl: env.url('REDIS_URL', { default: 'redis://127.0.0.1:6379', protocols: ['redis:', 'rediss:'] }),
    registryUrls: env.list('REGISTRY_URLS', { urls: true }),
    registryToken: env.string('REGISTRY_TOKEN'),
    demoCustomerPassword: env.string('DEMO_CUSTOMER_PASSWORD', { default: '' }),
    operatorPassword: env.string('OPERATOR_PASSWORD', { default: '' }),
  };
  if (config.operatorPassword.length > 0 && config.operatorPassword.length < 12) throw new ConfigError(['OPERATOR_PASSWORD must be at least 12 characters']);
  if (config.demoCustomerPassword.length > 0 && config.demoCustomerPassword.length < 8) throw new ConfigError(['DEMO_CUSTOMER_PASSWORD must be at least 8 characters']);
  return config;
}

export const loadIdentityConfig = (): IdentityConfig => loadConfigOrExit('identity', readIdentityConfig);
