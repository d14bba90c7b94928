/**
 * The config center's keys that more than one side names: the service that follows a key and the console (apps/web)
 * that changes it. Grouped by owner, because a service may write only keys under `config/<its name>/` (the
 * registry's access rules); docs/registry.md lists what each value holds.
 */
export const CONFIG_KEYS = {
  gateway: {
    /** Route table: `{ "<first path segment>": { "service", "balancer"? } }`, replacing the contract's routes. */
    routes: 'config/gateway/routes',
    /** The rate limit policies: an array of policies, their vocabulary in rate-limit-policy.ts. */
    rateLimits: 'config/gateway/rate-limits',
    /** Breaker thresholds: `{ "default": {...}, "<service>": {...overrides} }`. */
    breakers: 'config/gateway/breakers',
  },
  order: {
    /** How long an order may stay PENDING before the saga cancels it, in ms. */
    sagaTimeoutMs: 'config/order/saga-timeout-ms',
  },
  payment: {
    /** The share of payments declined on purpose, 0..1 (failure injection for demos and tests). */
    failureRate: 'config/payment/failure-rate',
    /** Extra delay before each charge, in ms. */
    latencyMs: 'config/payment/latency-ms',
  },
} as const;
