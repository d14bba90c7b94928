/**
 * @shop/circuit-breaker: 服务熔断. One opossum breaker per upstream, configured from `config/gateway/breakers`
 * (or by the caller), extended with the seed's slow-call rule: "within 5 s, if 50% of calls are slow, fail
 * fast for the next 5 s" (slow calls are counted, not aborted). States and transitions are logged and
 * exported as metrics (`circuit_breaker_state`, `circuit_breaker_transitions_total`).
 *
 * Entry points: `createBreaker(name, fn, options)`, `parseBreakersConfig`, `SlowCallDetector`.
 */
// A breaker's options and their defaults (BreakerOptions, DEFAULT_BREAKER_OPTIONS) are in @shop/contracts, shared with the console.
export { DEFAULT_BREAKERS_CONFIG, optionsFor, parseBreakerOptions, parseBreakersConfig } from './breaker-options';
export type { BreakersConfig } from './breaker-options';
export { createBreaker } from './create-breaker';
export type { BreakerLogger, BreakerState, BreakerTransition, BreakerTransitionReason, CreateBreakerHooks, ShopBreaker } from './create-breaker';
export { LATENCY_BOUNDS_MS, SlowCallDetector } from './slow-call-detector';
export type { LatencySummary } from './slow-call-detector';
