import { loadConfigOrExit } from '@shop/common';

/**
 * The local broker's variables, read once and validated like every app's: KAFKA_BROKERS (default 127.0.0.1:9092,
 * deploy/infra.sh's broker) and KAFKA_SASL=off (connect without SASL, as to a plaintext broker of an older infra.sh).
 */
export const localKafkaConfig = loadConfigOrExit('local-kafka', (env) => ({
  brokers: env.list('KAFKA_BROKERS', { default: ['127.0.0.1:9092'] }),
  saslOff: env.string('KAFKA_SASL', { default: '' }) === 'off',
}));
