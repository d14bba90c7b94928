import { EnvReader, loadConfigOrExit } from '@shop/common';

export interface PaymentConfig {
  port: number;
  instanceId: string;
  advertiseHost: string;
  databaseUrl: string;
  kafkaBrokers: string[];
  registryUrls: string[];
  registryToken: string;
  /** Test hook (chaos): exit the process right after a handler of this event type committed, before the offset commit. */
  crashAfterCommitOf: string;
}

export function readPaymentConfig(env: EnvReader): PaymentConfig {
  const port = env.int('PORT', { default: 3003, min: 1, max: 65535 });
  const advertiseHost = env.string('ADVERTISE_HOST', { default: '127.0.0.1' });
  return {
    port,
    instanceId: env.string('INSTANCE_ID', { default: `payment-${advertiseHost}-${port}` }),
    advertiseHost,
    databaseUrl: env.url('DATABASE_URL', { default: 'postgres://payment_svc:payment_pw@127.0.0.1:5432/payments', protocols: ['postgres:', 'postgresql:'] }),
    kafkaBrokers: env.list('KAFKA_BROKERS', { default: ['127.0.0.1:9092'] }),
    registryUrls: env.list('REGISTRY_URLS', { default: ['http://127.0.0.1:7001', 'http://127.0.0.1:7002', 'http://127.0.0.1:7003'], urls: true }),
    registryToken: env.string('REGISTRY_TOKEN', { default: 'dev-registry-token' }),
    crashAfterCommitOf: env.string('CHAOS_CRASH_AFTER_COMMIT_OF', { default: '' }),
  };
}

export const loadPaymentConfig = (): PaymentConfig => loadConfigOrExit('payment', readPaymentConfig);
