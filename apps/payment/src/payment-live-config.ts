/** Live config keys of the payment service (config center): failure injection for demos and tests. */

export const FAILURE_RATE_KEY = 'config/payment/failure-rate';
export const LATENCY_KEY = 'config/payment/latency-ms';

/** A share of payments to decline on purpose, 0..1. */
export function parseFailureRate(raw: unknown): number {
  if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < 0 || raw > 1) throw new Error('expected a number in [0, 1]');
  return raw;
}

/** Extra delay before each charge, 0..20000 ms (below the consumer's session timeout). */
export function parseLatencyMs(raw: unknown): number {
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0 || raw > 20_000) throw new Error('expected an integer number of ms in [0, 20000]');
  return raw;
}
