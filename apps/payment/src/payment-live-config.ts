/** Live config of the payment service (config center; the keys are CONFIG_KEYS.payment in @shop/contracts): failure injection for demos and tests. */

/** A share of payments to decline on purpose, 0..1. */
export function parseFailureRate(raw: unknown): number {
  if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < 0 || raw > 1) throw new Error('expected a number in [0, 1]');
  return raw;
}

/**
 * Extra delay before each charge, 0..8000 ms: kafkajs heartbeats only between messages, so one charge must stay
 * well under the consumer's 10 s session timeout (CONSUMER_GROUP_TIMING), or the group would drop payment.
 */
export const MAX_LATENCY_MS = 8000;

export function parseLatencyMs(raw: unknown): number {
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0 || raw > MAX_LATENCY_MS) {
    throw new Error(`expected an integer number of ms in [0, ${MAX_LATENCY_MS}]`);
  }
  return raw;
}
