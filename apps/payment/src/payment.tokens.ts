/** Injection tokens of the payment app. */
export const FAILURE_RATE = Symbol('FAILURE_RATE');
export const LATENCY_MS = Symbol('LATENCY_MS');
