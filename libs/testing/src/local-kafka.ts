import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { localKafkaConfig } from './local-kafka.config';

/**
 * The Kafka broker that integration and end-to-end tests use, and who they are to it: KAFKA_BROKERS (default
 * 127.0.0.1:9092, deploy/infra.sh's broker), with the SCRAM users infra.sh created from this checkout's
 * .data/secrets.env (deploy/secrets.js). Without those lines (a checkout that never ran infra.sh since SASL
 * came) the tests connect without SASL, as to a plaintext broker of an older infra.sh; KAFKA_SASL=off forces that
 * during the move from a plaintext broker (docs/deployment.md, "Kafka users").
 */
export interface LocalKafka {
  readonly brokers: string[];
  /** The Kafka credential key of deploy/secrets.js, for deploy/topology.js; '' without SASL. */
  readonly credentialKey: string;
  /** A user's credentials (default: the admin super user), undefined without SASL. */
  user(name?: string): { username: string; password: string } | undefined;
}

const SECRETS_FILE = join(__dirname, '..', '..', '..', '.data', 'secrets.env');

export function localKafka(): LocalKafka {
  const { brokers, saslOff } = localKafkaConfig;
  const lines = saslOff || !existsSync(SECRETS_FILE) ? '' : readFileSync(SECRETS_FILE, 'utf8');
  const value = (name: string) => new RegExp(`^${name}=(.+)$`, 'm').exec(lines)?.[1];
  const credentialKey = value('KAFKA_CREDENTIAL_KEY') ?? '';
  return {
    brokers,
    credentialKey,
    user(name = 'admin') {
      const password = value(`${name.toUpperCase()}_KAFKA_PASSWORD`);
      return password ? { username: name, password } : undefined;
    },
  };
}

/** kafkajs' `sasl` option for a user of the local broker (undefined: plaintext). */
export function localKafkaSasl(name?: string): { mechanism: 'scram-sha-256'; username: string; password: string } | undefined {
  const user = localKafka().user(name);
  return user ? { mechanism: 'scram-sha-256', ...user } : undefined;
}
