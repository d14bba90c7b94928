/**
 * @shop/contracts: what two sides of the shop must spell the same way. Mostly the events of the order saga, the
 * one vocabulary the three services share over Kafka; besides them, the config center keys that a service follows
 * and the console changes (`CONFIG_KEYS`), and a rate limit policy's vocabulary, which the gateway enforces and
 * the console edits (`AlgorithmName`, `AlgorithmParams`, `KEY_BY`, `ON_REDIS_ERROR`), and a circuit breaker's
 * options with the seed's numbers (`BreakerOptions`, `DEFAULT_BREAKER_OPTIONS`).
 *
 * The browser app (apps/web) imports this library too: it stays free of Node APIs and of other libraries
 * (scripts/build-ui.mjs resolves only the browser-safe ones, and fails the build on anything else).
 *
 * Besides the saga's events, inventory.events carries `ProductPriced` (keyed by sku): the catalog that feeds order's
 * own price list, so that placing an order needs no synchronous call to inventory.
 *
 * Seed concept: 本地消息表 (local message table) + BASE eventual consistency. Each event is written to its
 * service's outbox in the same transaction as the state change, relayed to Kafka, and deduplicated by the
 * consumer's inbox on `id` (the outbox row's id).
 *
 * Entry points:
 * - `EventEnvelope`, `Topics`, `TOPIC_OF` (which topic carries each event type), the payload types.
 * - `sagaEvent(type, aggregateId, payload)`: a validated outgoing event for `UnitOfWork` ctx.publish().
 * - `parseEnvelope(raw)`: a validated incoming `SagaEvent` (throws `InvalidEventError`), then narrow with
 *   `isEvent(event, 'StockReserved')` or the per-type guards `isOrderCreated(event)` and so on.
 * - `validatePayload(type, payload)`: the list of problems (empty when valid), for tests and tools.
 *
 * And the gateway's routes (`config/gateway/routes`), which the gateway applies and the console writes:
 * `parseRoutes`, `DEFAULT_ROUTES`, `Route`, `RouteTable`.
 */
export { DEFAULT_BREAKER_OPTIONS } from './breaker-options';
export type { BreakerOptions } from './breaker-options';
export { CONFIG_KEYS } from './config-keys';
export type { ProductView } from './public-api';
export { KEY_BY, ON_REDIS_ERROR } from './rate-limit-policy';
export type {
  AlgorithmName,
  AlgorithmParams,
  FixedWindowParams,
  KeyBy,
  LeakyBucketParams,
  OnRedisError,
  SlidingWindowParams,
  TokenBucketParams,
} from './rate-limit-policy';
export {
  EVENT_TYPES,
  MAX_ORDER_LINES,
  MAX_LINE_QUANTITY,
  CUSTOMER_ID_FORMAT,
  SKU_FORMAT,
  TOPIC_OF,
  Topics,
} from './saga-events';
export type {
  EventEnvelope,
  LineItem,
  OrderCancelledPayload,
  OrderConfirmedPayload,
  OrderCreatedPayload,
  OutgoingEvent,
  PaymentFailedPayload,
  PaymentRefundedPayload,
  PaymentSucceededPayload,
  PricedLineItem,
  ProductPricedPayload,
  SagaEvent,
  SagaEventOf,
  SagaEventType,
  SagaPayloads,
  StockRejectedPayload,
  StockReservedPayload,
  Topic,
} from './saga-events';
export {
  InvalidEventError,
  isEvent,
  isOrderCancelled,
  isOrderConfirmed,
  isOrderCreated,
  isPaymentFailed,
  isPaymentRefunded,
  isPaymentSucceeded,
  isProductPriced,
  isSagaEventType,
  isStockRejected,
  isStockReserved,
  parseEnvelope,
  sagaEvent,
  validatePayload,
} from './validation';
export { DEFAULT_ROUTES, DEFAULT_ROUTES_VALUE, parseRoutes } from './gateway-routes';
export type { BalancerName, Route, RouteTable, RouteTimeouts } from './gateway-routes';
