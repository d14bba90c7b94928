/**
 * @shop/idempotency: the seed's 幂等性 (idempotency) through a Redis token (令牌机制), kept as a state machine
 * rather than deleted on use: new -> processing (short lease) -> done + stored response, one Lua script per
 * transition. The second line of defence, a unique index on the key in the service's own table, lives with the
 * service that writes (apps/order).
 *
 * Entry points: `IdempotencyTokenStore` (issue, begin, complete, release), `requestFingerprint` (hash of the
 * canonical body for "same key, other body" -> 422).
 */
export {
  DEFAULT_IDEMPOTENCY_OPTIONS,
  IdempotencyTokenStore,
} from './idempotency-token.store';
export type {
  BeginOutcome,
  CompleteOutcome,
  IdempotencyOptions,
  IssuedToken,
  ReleaseOutcome,
  StoredResponse,
} from './idempotency-token.store';
export { canonicalJson, requestFingerprint } from './request-fingerprint';
