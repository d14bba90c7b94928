import { KafkaCredentials, kafkaSasl } from './kafka-credentials';
import { createLogger } from '@shop/common';
import { Admin, Kafka, logLevel as KafkaLogLevel, LogEntry, Producer } from 'kafkajs';

/** One message to publish. `key` decides the partition: the aggregate id, so one order's events stay in order. */
export interface PublishMessage {
  key: string;
  value: Buffer | string;
  headers?: Record<string, string>;
}

/**
 * The port the outbox relay publishes through. `publish` resolves once every message is acknowledged by all
 * in-sync replicas, and rejects otherwise (some messages may still have been written: callers rely on the
 * consumers' inbox to absorb the duplicates of a retry). Implementations bound the call's duration.
 */
export interface EventPublisher {
  publish(topic: string, messages: readonly PublishMessage[]): Promise<void>;
  /** Resolves when the broker answers (a metadata request); used to notice that Kafka is back after an outage. */
  probe?(opts: { signal: AbortSignal }): Promise<Record<string, unknown>>;
}

/**
 * The broker could not be reached or could not take the write now (connection refused or lost, timeouts, no
 * leader, not enough in-sync replicas): nothing is wrong with the messages themselves.
 */
export class BrokerUnavailableError extends Error {
  override name = 'BrokerUnavailableError';
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

const UNAVAILABLE_ERRORS = new Set([
  'BrokerUnavailableError',
  'PublishTimeoutError',
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
]);
const UNAVAILABLE_PROTOCOL_ERRORS = new Set([
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'BROKER_NOT_AVAILABLE',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
]);

/**
 * The broker no longer accepts this producer's sequence numbers: it lost the producer's state (a restart, the
 * producer id expired) or a send abandoned on timeout desynchronised them. kafkajs treats these as fatal and
 * never recovers by itself (the same trap is reported for librdkafka and aiokafka); only a new producer id does.
 */
const PRODUCER_STATE_ERRORS = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']);

function someCause(error: unknown, test: (e: Error) => boolean): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) if (test(e)) return true;
  return false;
}

function protocolType(e: Error): string | undefined {
  const type = (e as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}

/** Whether a publish failed because of the broker (an outage), not because of the messages (walks `cause`). */
export function isBrokerUnavailable(error: unknown): boolean {
  return someCause(error, (e) => UNAVAILABLE_ERRORS.has(e.name) || UNAVAILABLE_PROTOCOL_ERRORS.has(protocolType(e) ?? ''));
}

/** Whether the broker refused the producer's sequence (see PRODUCER_STATE_ERRORS): a new producer is needed. */
export function isProducerStateLost(error: unknown): boolean {
  return someCause(error, (e) => PRODUCER_STATE_ERRORS.has(protocolType(e) ?? ''));
}

export interface KafkaPublisherOptions {
  clientId: string;
  brokers: readonly string[];
  /** The service's Kafka user (SASL/SCRAM); none: a plaintext connection. */
  credentials?: KafkaCredentials;
  /** TCP connect timeout per broker. */
  connectionTimeoutMs?: number;
  /** Timeout of one Kafka request (produce, metadata). */
  requestTimeoutMs?: number;
  /** Upper bound of one `publish` call, kafkajs' own retries included. */
  publishTimeoutMs?: number;
  /**
   * kafkajs' in-call retries. Kept small: the outbox owns the retry loop (with backoff, attempts and a dead
   * letter), so a broker outage surfaces quickly instead of hanging the relay. At least 1 (kafkajs requires
   * retries for an idempotent producer).
   */
  retries?: number;
}

export class PublishTimeoutError extends Error {
  constructor(topic: string, timeoutMs: number) {
    super(`publishing to ${topic} took longer than ${timeoutMs} ms (the messages may still be written)`);
    this.name = 'PublishTimeoutError';
  }
}

const LOG_METHODS: Record<number, 'error' | 'warn' | 'log' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'log',
  [KafkaLogLevel.DEBUG]: 'debug',
};

/** kafkajs logs through our JSON logger, so its lines carry the app's name like every other line. */
export function kafkaLogCreator(context: string) {
  const logger = createLogger(context);
  return () =>
    ({ level, log }: LogEntry): void => {
      const { message, ...fields } = log;
      logger.event(LOG_METHODS[level] ?? 'log', String(message), fields);
    };
}

/**
 * kafkajs producer with the settings the outbox needs: idempotent (the broker drops the duplicates of its own
 * retries), acks=all, and one request in flight per broker so that a retried batch never overtakes a later one
 * (per-key order). Every call is bounded by a timeout.
 */
export class KafkaEventPublisher implements EventPublisher {
  private readonly kafka: Kafka;
  private readonly newProducer: () => Producer;
  private producer: Producer;
  private readonly admin: Admin;
  private readonly publishTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private connected = false;

  constructor(opts: KafkaPublisherOptions) {
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 5000;
    this.publishTimeoutMs = opts.publishTimeoutMs ?? 15_000;
    const retry = { retries: Math.max(1, opts.retries ?? 2), initialRetryTime: 200, maxRetryTime: 2000 };
    this.kafka = new Kafka({
      clientId: opts.clientId,
      brokers: [...opts.brokers],
      sasl: kafkaSasl(opts.credentials),
      connectionTimeout: opts.connectionTimeoutMs ?? 3000,
      requestTimeout: this.requestTimeoutMs,
      retry,
      logCreator: kafkaLogCreator('kafka-producer'),
      // Limiting retries of an idempotent producer makes kafkajs warn on every start; the outbox retries instead.
      logLevel: KafkaLogLevel.ERROR,
    });
    this.newProducer = () => this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry });
    this.producer = this.newProducer();
    this.admin = this.kafka.admin();
  }

  /** Connects the producer. Rejects when no broker answers; `publish` also connects lazily. */
  async connect(): Promise<void> {
    await this.withTimeout('connect', this.producer.connect());
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    this.connected = false;
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }

  async publish(topic: string, messages: readonly PublishMessage[]): Promise<void> {
    if (messages.length === 0) return;
    try {
      if (!this.connected) await this.connect();
      await this.withTimeout(
        topic,
        this.producer.send({
          topic,
          acks: -1,
          timeout: this.requestTimeoutMs,
          messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
        }),
      );
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      // A send abandoned on our timeout may still be in flight and would desynchronise the sequence: start over.
      if (isProducerStateLost(error) || error instanceof PublishTimeoutError) {
        this.replaceProducer();
        throw new BrokerUnavailableError(`Kafka refused the producer's state, producer replaced (${detail})`, error);
      }
      if (!isBrokerUnavailable(error)) throw error;
      throw new BrokerUnavailableError(`Kafka unavailable (${detail})`, error);
    }
  }

  /**
   * A new producer (a new producer id, sequences from 0) for the next publish. The messages of the failed call
   * are retried by the outbox; any that the broker had written after all arrive twice, and the inbox drops them.
   */
  private replaceProducer(): void {
    const old = this.producer;
    this.producer = this.newProducer();
    this.connected = false;
    old.disconnect().catch(() => undefined);
  }

  /** Health check: a metadata request answered by the cluster (an open port is not enough). */
  async probe({ signal }: { signal: AbortSignal }): Promise<Record<string, unknown>> {
    const aborted = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(new Error('kafka health check aborted'));
      signal.addEventListener('abort', () => reject(new Error('kafka health check timed out')), { once: true });
    });
    await Promise.race([this.admin.connect(), aborted]);
    const cluster = await Promise.race([this.admin.describeCluster(), aborted]);
    return { brokers: cluster.brokers.length, controller: cluster.controller };
  }

  private async withTimeout<T>(what: string, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PublishTimeoutError(what, this.publishTimeoutMs)), this.publishTimeoutMs);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
