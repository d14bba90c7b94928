import { ConfigError, EnvReader, loadConfigOrExit } from '@shop/common';
import type { KafkaCredentials } from '@shop/messaging';

/** What every saga service reads from its environment (the contract's variables, docs/architecture.md). */
export interface SagaServiceConfig {
  port: number;
  instanceId: string;
  advertiseHost: string;
  databaseUrl: string;
  kafkaBrokers: string[];
  /** KAFKA_USERNAME and KAFKA_PASSWORD: this service's Kafka user (SASL/SCRAM); no password: plaintext. */
  kafkaCredentials: KafkaCredentials | undefined;
  registryUrls: string[];
  registryToken: string;
  /**
   * Partitions whose messages this instance handles at the same time (kafkajs `partitionsConsumedConcurrently`).
   * Messages of one partition stay one after the other, and the topics are keyed by order id, so one order's
   * events are still handled in order.
   */
  kafkaPartitionsConcurrently: number;
  /** Test hook (chaos): exit the process right after a handler of this event type committed, before the offset commit. */
  crashAfterCommitOf: string;
}

/**
 * A service's own defaults for local runs: its name and port. Secrets have none: DATABASE_URL (it carries the
 * role's password) and REGISTRY_TOKEN must be given, or the service refuses to start naming them.
 */
export interface SagaServiceDefaults {
  service: string;
  port: number;
}

/** Reads the shared variables, then the app's own (`readExtras`), with one reader so every problem is named at once. */
export function readSagaServiceConfig<Extras extends object = Record<never, never>>(
  env: EnvReader,
  defaults: SagaServiceDefaults,
  readExtras?: (env: EnvReader) => Extras,
): SagaServiceConfig & Extras {
  const port = env.int('PORT', { default: defaults.port, min: 1, max: 65535 });
  const advertiseHost = env.string('ADVERTISE_HOST', { default: '127.0.0.1' });
  const shared: SagaServiceConfig = {
    port,
    instanceId: env.string('INSTANCE_ID', { default: `${defaults.service}-${advertiseHost}-${port}` }),
    advertiseHost,
    databaseUrl: env.url('DATABASE_URL', { protocols: ['postgres:', 'postgresql:'] }),
    kafkaBrokers: env.list('KAFKA_BROKERS', { default: ['127.0.0.1:9092'] }),
    kafkaCredentials: readKafkaCredentials(env),
    registryUrls: env.list('REGISTRY_URLS', { default: ['http://127.0.0.1:7001', 'http://127.0.0.1:7002', 'http://127.0.0.1:7003'], urls: true }),
    registryToken: env.string('REGISTRY_TOKEN'),
    // The deployments set it (deploy/kafka-partitions.js, with the saga topics' partitions); 12 as they do.
    kafkaPartitionsConcurrently: env.int('KAFKA_PARTITIONS_CONCURRENTLY', { default: 12, min: 1, max: 32 }),
    crashAfterCommitOf: env.string('CHAOS_CRASH_AFTER_COMMIT_OF', { default: '' }),
  };
  return { ...shared, ...(readExtras?.(env) ?? ({} as Extras)) };
}

/**
 * SASL when a password is given: optional so that a service can still reach a plaintext broker (an older
 * infrastructure, the saga tests' private broker); deploy/infra.sh with `npm run stack`, compose and Kubernetes
 * always give one (docs/deployment.md). A password without a user name is an error, never a silent plaintext.
 */
function readKafkaCredentials(env: EnvReader): KafkaCredentials | undefined {
  const username = env.string('KAFKA_USERNAME', { default: '' });
  const password = env.string('KAFKA_PASSWORD', { default: '' });
  if (password === '') return undefined;
  if (username === '') throw new ConfigError(['KAFKA_PASSWORD is set without KAFKA_USERNAME']);
  return { username, password };
}

/** For main.ts: reads the process environment once; an invalid variable ends the process with a message naming it. */
export function loadSagaServiceConfig<Extras extends object = Record<never, never>>(
  defaults: SagaServiceDefaults,
  readExtras?: (env: EnvReader) => Extras,
): SagaServiceConfig & Extras {
  return loadConfigOrExit(defaults.service, (env) => readSagaServiceConfig(env, defaults, readExtras));
}
