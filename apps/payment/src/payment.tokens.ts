/** Injection tokens of the payment app. */
export const PAYMENT_CONFIG = Symbol('PAYMENT_CONFIG');
export const FAILURE_RATE = Symbol('FAILURE_RATE');
export const LATENCY_MS = Symbol('LATENCY_MS');
