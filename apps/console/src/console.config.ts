import { hostname } from 'node:os';
import { ConfigError, EnvReader, loadConfigOrExit } from '@shop/common';

export interface ConsoleConfig {
  port: number;
  instanceId: string;
  advertiseHost: string;
  registryUrls: string[];
  /** The console's own registry credential: it registers itself, discovers the services, reads config. */
  registryToken: string;
  /**
   * The operator's registry credential: the admin API writes any service's `config/` keys, and the console
   * publishes its proof key into `config/gateway/proof-jwks`; a service credential may write neither
   * (docs/security.md, "Registry and config center").
   */
  registryOperatorToken: string;
  /** Jaeger's UI (e.g. http://localhost:16686): the saga timeline links to the order's trace there. */
  jaegerUrl: string | undefined;
}

export function readConsoleConfig(env: EnvReader): ConsoleConfig {
  const port = env.int('PORT', { default: 3005, min: 1, max: 65535 });
  const config: ConsoleConfig = {
    port,
    instanceId: env.string('INSTANCE_ID', { default: `console-${hostname()}-${port}` }),
    advertiseHost: env.string('ADVERTISE_HOST', { default: '127.0.0.1' }),
    registryUrls: env.list('REGISTRY_URLS', { urls: true }),
    registryToken: env.string('REGISTRY_TOKEN'),
    registryOperatorToken: env.string('REGISTRY_OPERATOR_TOKEN', { default: '' }),
    jaegerUrl: env.url('JAEGER_URL', { default: '', protocols: ['http:', 'https:'] }) || undefined,
  };
  if (!config.registryOperatorToken) throw new ConfigError(['REGISTRY_OPERATOR_TOKEN is required: the console writes config and publishes its proof key']);
  return config;
}

export const loadConsoleConfig = (): ConsoleConfig => loadConfigOrExit('console', readConsoleConfig);
