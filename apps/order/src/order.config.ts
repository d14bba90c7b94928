import { EnvReader } from '@shop/common';
import { loadSagaServiceConfig, SagaServiceConfig } from '@shop/service-defaults';

export interface OrderConfig extends SagaServiceConfig {
  redisUrl: string;
  /** How often the saga-timeout sweeper looks for stuck orders. */
  sweepIntervalMs: number;
}

function readOrderExtras(env: EnvReader): Omit<OrderConfig, keyof SagaServiceConfig> {
  return {
    redisUrl: env.url('REDIS_URL', { default: 'redis://127.0.0.1:6379', protocols: ['redis:', 'rediss:'] }),
    sweepIntervalMs: env.int('SAGA_SWEEP_INTERVAL_MS', { default: 1000, min: 100, max: 60_000 }),
  };
}

export const loadOrderConfig = (): OrderConfig =>
  loadSagaServiceConfig({ service: 'order', port: 3001 }, readOrderExtras);
