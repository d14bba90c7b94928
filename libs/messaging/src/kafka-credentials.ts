import type { SASLOptions } from 'kafkajs';

/**
 * A Kafka user (SASL/SCRAM-SHA-256): who this client is to the broker, whose ACLs then decide what it may
 * produce and consume (docs/security.md, "Kafka"). Each service has its own user, named like the service.
 */
export interface KafkaCredentials {
  readonly username: string;
  readonly password: string;
}

/** kafkajs' `sasl` option for a user; undefined (no SASL, a plaintext broker) without one. */
export function kafkaSasl(credentials: KafkaCredentials | undefined): SASLOptions | undefined {
  return credentials ? { mechanism: 'scram-sha-256', username: credentials.username, password: credentials.password } : undefined;
}
