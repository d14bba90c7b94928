import { EnvReader, loadConfigOrExit } from '@shop/common';

export interface OrderConfig {
  port: number;
  instanceId: string;
  advertiseHost: string;
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string[];
  registryUrls: string[];
  registryToken: string;
  /** How long the pricing call to inventory may take before it fails (and counts against the breaker). */
  inventoryTimeoutMs: number;
  /** How often the saga-timeout sweeper looks for stuck orders. */
  sweepIntervalMs: number;
  /** Test hook (chaos): exit the process right after a handler of this event type committed, before the offset commit. */
  crashAfterCommitOf: string;
}

export function readOrderConfig(env: EnvReader): OrderConfig {
  const port = env.int('PORT', { default: 3001, min: 1, max: 65535 });
  const advertiseHost = env.string('ADVERTISE_HOST', { default: '127.0.0.1' });
  return {
    port,
    instanceId: env.string('INSTANCE_ID', { default: `order-${advertiseHost}-${port}` }),
    advertiseHost,
    databaseUrl: env.url('DATABASE_URL', { default: 'postgres://order_svc:order_pw@127.0.0.1:5432/orders', protocols: ['postgres:', 'postgresql:'] }),
    redisUrl: env.url('REDIS_URL', { default: 'redis://127.0.0.1:6379', protocols: ['redis:', 'rediss:'] }),
    kafkaBrokers: env.list('KAFKA_BROKERS', { default: ['127.0.0.1:9092'] }),
    registryUrls: env.list('REGISTRY_URLS', { default: ['http://127.0.0.1:7001', 'http://127.0.0.1:7002', 'http://127.0.0.1:7003'], urls: true }),
    registryToken: env.string('REGISTRY_TOKEN', { default: 'dev-registry-token' }),
    inventoryTimeoutMs: env.int('INVENTORY_TIMEOUT_MS', { default: 2000, min: 50, max: 30_000 }),
    sweepIntervalMs: env.int('SAGA_SWEEP_INTERVAL_MS', { default: 1000, min: 100, max: 60_000 }),
    crashAfterCommitOf: env.string('CHAOS_CRASH_AFTER_COMMIT_OF', { default: '' }),
  };
}

export const loadOrderConfig = (): OrderConfig => loadConfigOrExit('order', readOrderConfig);
