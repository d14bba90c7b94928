/** Live config of the order service (config center; the keys are CONFIG_KEYS.order in @shop/contracts): defaults and validation. */

/**
 * 3 minutes: well above the slowest recovery that must not cancel orders. A SIGKILLed consumer's partitions move
 * after its 10 s session timeout plus a rebalance (at most 20 s), a restarted service needs ~10-30 s to start and
 * rejoin, Kafka or a service down for 30 s adds those 30 s and the relay's backoff (at most 10 s): about 100 s in
 * the worst case. The timeout only bounds "eventually" for a saga whose answer is truly lost.
 */
export const DEFAULT_SAGA_TIMEOUT_MS = 180_000;

/** A whole number of ms, 1 s .. 1 h; anything else is rejected (logged, previous value kept). */
export function parseSagaTimeoutMs(raw: unknown): number {
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1000 || raw > 3_600_000) {
    throw new Error('expected an integer number of ms in [1000, 3600000]');
  }
  return raw;
}
