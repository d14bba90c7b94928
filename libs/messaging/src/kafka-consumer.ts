/*
 * How offsets are committed (read from @nestjs/microservices 12.1 and kafkajs 2.2.4 sources, and proven by
 * kafka-consumer.int-spec.ts):
 *
 * - ServerKafka runs `consumer.run({ eachMessage })` with kafkajs' default `autoCommit: true`. kafkajs resolves a
 *   message's offset only after `eachMessage` resolves, and commits resolved offsets after each batch (and every
 *   `autoCommitInterval` / `autoCommitThreshold`).
 * - Nest 12's `ServerKafka.handleEvent` awaits the handler and its returned stream (`propagatesEventHandlerErrors
 *   = true`): an exception thrown by an `@EventPattern` handler goes through the RPC exception filters, which turn
 *   it into an erroring stream, and that rejection reaches kafkajs. (Before Nest 12 the base `handleEvent` only
 *   connected the stream, so a failing event handler was logged and its offset committed: the event was lost.)
 * - kafkajs, on a rejected `eachMessage`: commits the offsets resolved BEFORE the failing message, rethrows, its
 *   retrier re-fetches from the failing offset (redelivery), and after `retry.retries` it crashes the consumer and
 *   restarts it (`KafkaJSNumberOfRetriesExceeded` is retriable), which again resumes at the failing message.
 * - So a handler must throw (never catch-and-log) when its transaction did not commit. The one exception is a
 *   message that can never succeed (not a valid saga event): it is logged as an alert and skipped, so that it
 *   does not block its partition forever.
 * - A crash after the handler's transaction committed but before the offset commit redelivers the event: the
 *   inbox (UnitOfWork.runOnce) absorbs it. Delivery is at least once; effects are exactly once.
 * - A new consumer group starts at the earliest offset (`fromBeginning: true`): with the default (latest), the
 *   events published before the group first joined would be silently skipped.
 */
import { acceptOrCreateRequestId, contextFromTraceparent, createLogger, inSpan, metricsRegistry, REQUEST_ID_HEADER, SpanKind, TRACEPARENT_HEADER, withRequestId } from '@shop/common';
import { InvalidEventError, parseEnvelope, SagaEvent, TOPIC_OF, Topics } from '@shop/contracts';
import { KafkaContext, KafkaOptions, Transport } from '@nestjs/microservices';
import type { Span } from '@opentelemetry/api';
import { Counter } from 'prom-client';
import { KafkaCredentials, kafkaSasl } from './kafka-credentials';
import { kafkaLogCreator } from './kafka-event.publisher';

export interface KafkaConsumerOptions {
  brokers: readonly string[];
  /** One consumer group per service: every instance of the service shares the work. */
  groupId: string;
  clientId: string;
  /** The service's Kafka user (SASL/SCRAM); none: a plaintext connection. */
  credentials?: KafkaCredentials;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/**
 * How fast the group notices a member that died and hands its partitions on (FIELD-NOTES "Outbox and inbox":
 * KafkaJS has neither static membership nor cooperative rebalancing, so every join or leave stops the group).
 * - sessionTimeout 10 s (KafkaJS default 30 s; the broker accepts 6 s .. 300 s): a SIGKILLed member's partitions
 *   wait at most this long. kafkajs heartbeats between messages only, so one handler call must stay well under it
 *   (payment's injected latency is capped at 8 s for this reason).
 * - heartbeatInterval 1 s (at most a third of the session timeout, as kafkajs asks): a member learns of a
 *   rebalance within a second of finishing its current message, so a rebalance lasts about one handler call.
 * - rebalanceTimeout 20 s (default 60 s): how long the coordinator waits for members to rejoin; a member stuck
 *   longer (a handler blocked on its database) is dropped instead of stalling the whole group for a minute.
 * A SIGTERMed member leaves at once: Nest's shutdown closes the Kafka server, and kafkajs' disconnect() sends
 * LeaveGroup. The saga timeout (config/order/saga-timeout-ms) is sized above the worst of these (docs/consistency.md).
 */
export const CONSUMER_GROUP_TIMING = { sessionTimeout: 10_000, heartbeatInterval: 1000, rebalanceTimeout: 20_000 } as const;

/** Options for `app.connectMicroservice(kafkaMicroserviceOptions({...}))` in a hybrid Nest app. */
export function kafkaMicroserviceOptions(opts: KafkaConsumerOptions): KafkaOptions {
  return {
    transport: Transport.KAFKA,
    options: {
      client: {
        clientId: opts.clientId,
        brokers: [...opts.brokers],
        sasl: kafkaSasl(opts.credentials),
        connectionTimeout: opts.connectionTimeoutMs ?? 3000,
        requestTimeout: opts.requestTimeoutMs ?? 10_000,
        retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 10_000 },
        logCreator: kafkaLogCreator('kafka-consumer'),
      },
      consumer: {
        groupId: opts.groupId,
        ...CONSUMER_GROUP_TIMING,
        ...(opts.sessionTimeoutMs === undefined ? {} : { sessionTimeout: opts.sessionTimeoutMs }),
        ...(opts.heartbeatIntervalMs === undefined ? {} : { heartbeatInterval: opts.heartbeatIntervalMs }),
        allowAutoTopicCreation: false,
        // Bounds one fetch (and so the events held in memory at once).
        maxBytesPerPartition: 1024 * 1024,
        maxBytes: 5 * 1024 * 1024,
      },
      subscribe: { fromBeginning: true },
      run: { autoCommit: true },
      // The group id is exactly the service's name (Nest appends "-server" by default).
      postfixId: '',
    },
  };
}

export interface ConsumedEventMeta {
  topic: string;
  partition: number;
  offset: string;
  requestId: string;
}

const skippedEvents = new Counter({
  name: 'kafka_consumer_invalid_events_total',
  help: 'Messages skipped because they are not valid saga events (alert: a producer is broken)',
  labelNames: ['topic'] as const,
  registers: [metricsRegistry],
});

const failedEvents = new Counter({
  name: 'kafka_consumer_handler_failures_total',
  help: 'Handler failures; the event is redelivered (its offset is not committed)',
  labelNames: ['topic', 'type'] as const,
  registers: [metricsRegistry],
});

const foreignEvents = new Counter({
  name: 'kafka_consumer_foreign_events_total',
  help: "Events skipped because their type is not emitted by the service that owns the topic (alert: a forged event)",
  labelNames: ['topic', 'type'] as const,
  registers: [metricsRegistry],
});

const logger = createLogger('kafka-consumer');

const SAGA_TOPICS: ReadonlySet<string> = new Set(Object.values(Topics));

/** On a saga topic, only the owner's event types (TOPIC_OF); other topics (tests' own) are not judged. */
export function fromTopicOwner(event: SagaEvent, topic: string): boolean {
  return !SAGA_TOPICS.has(topic) || TOPIC_OF[event.type] === topic;
}

/**
 * Runs `handler` for one Kafka message inside an `@EventPattern(topic)` method:
 * ```ts
 * @EventPattern(Topics.order) // a topic typed `string` (not a literal) needs EventPattern<string>(topic) in Nest 12
 * onOrderEvent(@Ctx() ctx: KafkaContext): Promise<void> {
 *   return handleKafkaEvent(ctx, async (event) => { if (event.type === 'OrderCreated') ... });
 * }
 * ```
 *
 * The envelope is validated; an invalid one is logged as an alert and skipped (it can never succeed). The
 * handler runs with the X-Request-Id from the message headers. A handler error is logged and RETHROWN, so the
 * offset is not committed and the event is redelivered.
 *
 * A poison event (the handler fails on every delivery) would block its partition forever. With `onPoison`, after
 * `maxAttempts` failed deliveries of the same message the event is handed to `onPoison` (which must record it
 * durably, e.g. `UnitOfWork.parkPoisonEvent`: a dead inbox record, shown in the timeline, replayable) and its
 * offset is committed. If `onPoison` throws, the event stays and is redelivered. Without `onPoison` the event is
 * retried for ever (alerting on every failure). Attempts are counted in memory (a restart counts afresh).
 */
export async function handleKafkaEvent(
  ctx: KafkaContext,
  handler: (event: SagaEvent, meta: ConsumedEventMeta) => Promise<void>,
  options: PoisonOptions = {},
): Promise<void> {
  const message = ctx.getMessage();
  const topic = ctx.getTopic();
  const headers = (message.headers ?? {}) as Record<string, unknown>;
  const requestId = acceptOrCreateRequestId(headerText(headers[REQUEST_ID_HEADER]));
  const meta: ConsumedEventMeta = { topic, partition: ctx.getPartition(), offset: message.offset, requestId };
  // A CONSUMER span, child of the producer's (the outbox relay's publish span): one order stays one trace.
  const consumeSpan = { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'kafka', 'messaging.operation.type': 'process', 'messaging.destination.name': topic } };
  const parent = contextFromTraceparent(headerText(headers[TRACEPARENT_HEADER]));
  await withRequestId(requestId, () => inSpan(`${topic} process`, consumeSpan, (span) => handleWithin(span), parent));

  async function handleWithin(span: Span | undefined): Promise<void> {
    let event: SagaEvent;
    try {
      event = parseEnvelope(message.value);
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      skippedEvents.inc({ topic });
      logger.event('error', 'invalid event skipped', { alert: 'kafka_invalid_event', ...meta, problems: error.problems });
      return;
    }
    if (!fromTopicOwner(event, topic)) {
      // Defence in depth behind the broker's ACLs (docs/security.md, "Kafka"): a service may produce only to its
      // own topic, so an OrderCancelled on payment.events was forged by payment (or whoever holds its password).
      foreignEvents.inc({ topic, type: event.type });
      logger.event('error', 'event of another service refused', { alert: 'kafka_foreign_event', ...meta, eventId: event.id, type: event.type });
      return;
    }
    span?.setAttribute('shop.event.type', event.type);
    const attemptKey = `${meta.topic}/${meta.partition}/${meta.offset}`;
    try {
      await handler(event, meta);
      failedAttempts.delete(attemptKey);
    } catch (error) {
      const attempts = countFailure(attemptKey);
      failedEvents.inc({ topic, type: event.type });
      const fields = { ...meta, eventId: event.id, type: event.type, attempts, error: errorText(error) };
      const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
      if (options.onPoison && attempts >= maxAttempts) {
        await options.onPoison(event, { error, attempts, meta });
        failedAttempts.delete(attemptKey);
        poisonedEvents.inc({ topic, type: event.type });
        logger.event('error', 'poison event parked; its partition moves on (replay it once the cause is fixed)', {
          alert: 'kafka_poison_event',
          ...fields,
        });
        return;
      }
      logger.event('error', 'event handler failed; the event will be redelivered', fields);
      throw error;
    }
  }
}

export interface PoisonFailure {
  error: unknown;
  attempts: number;
  meta: ConsumedEventMeta;
}

export interface PoisonOptions {
  /** Failed deliveries of one message before it is handed to `onPoison` (default 10). */
  maxAttempts?: number;
  /** Records the poison event durably; once it resolves, the offset is committed and the partition moves on. */
  onPoison?: (event: SagaEvent, failure: PoisonFailure) => Promise<void>;
}

const DEFAULT_MAX_ATTEMPTS = 10;
/** Bound on the failure counters kept (one per failing message; oldest dropped first). */
const MAX_TRACKED_FAILURES = 10_000;
const failedAttempts = new Map<string, number>();

function countFailure(key: string): number {
  const attempts = (failedAttempts.get(key) ?? 0) + 1;
  failedAttempts.delete(key);
  failedAttempts.set(key, attempts);
  if (failedAttempts.size > MAX_TRACKED_FAILURES) failedAttempts.delete(failedAttempts.keys().next().value as string);
  return attempts;
}

const poisonedEvents = new Counter({
  name: 'kafka_consumer_poison_events_total',
  help: 'Events parked after failing on every delivery (alert: replay them once the cause is fixed)',
  labelNames: ['topic', 'type'] as const,
  registers: [metricsRegistry],
});

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : typeof error === 'object' ? JSON.stringify(error) : String(error);
}

function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString();
  return undefined;
}
