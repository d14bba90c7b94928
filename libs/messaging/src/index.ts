/**
 * @shop/messaging: the project's own small Kafka interface, so that KafkaJS (in maintenance mode) stays one
 * swappable implementation behind it.
 *
 * Seed concept: 本地消息表 (local message table). The outbox relay publishes through `EventPublisher`; the
 * consumers are NestJS hybrid apps on @nestjs/microservices' Kafka transport.
 *
 * Entry points:
 * - `EventPublisher` (the port) and `KafkaEventPublisher` (kafkajs: idempotent producer, acks=all, one request in
 *   flight, bounded timeouts), with `connect`, `disconnect` and a health `probe`.
 * - `kafkaMicroserviceOptions({ brokers, groupId, clientId })` for `app.connectMicroservice(...)`, with the group
 *   timing of `CONSUMER_GROUP_TIMING` (short session and heartbeat, so a dead member's partitions move on fast).
 * - `handleKafkaEvent(ctx, handler)` inside an `@EventPattern(topic)` handler: validates the envelope, runs the
 *   handler under the event's X-Request-Id, and lets a handler error propagate so that the offset is NOT
 *   committed and the event is redelivered (see kafka-consumer.ts for how Nest 12 and kafkajs commit offsets);
 *   with `{ onPoison }` an event that fails on every delivery is parked after N attempts instead of blocking its
 *   partition forever.
 * - `registerConsumerLagMetric({ brokers, groupId, clientId })`: `kafka_consumer_lag_messages` at scrape time.
 */
import './kafkajs-request-queue.patch';
export { BrokerUnavailableError, isBrokerUnavailable, KafkaEventPublisher, PublishTimeoutError } from './kafka-event.publisher';
export type { EventPublisher, KafkaPublisherOptions, PublishMessage } from './kafka-event.publisher';
export { kafkaSasl } from './kafka-credentials';
export type { KafkaCredentials } from './kafka-credentials';
export { registerConsumerLagMetric } from './consumer-lag.metrics';
export type { ConsumerLagOptions } from './consumer-lag.metrics';
export { ConsumerLiveness, DEFAULT_REJOIN_WITHIN_MS } from './consumer-liveness';
export { CONSUMER_GROUP_TIMING, handleKafkaEvent, kafkaMicroserviceOptions } from './kafka-consumer';
export type { ConsumedEventMeta, KafkaConsumerOptions, PoisonFailure, PoisonOptions } from './kafka-consumer';
