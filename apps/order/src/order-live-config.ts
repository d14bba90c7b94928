/** Live config keys of the order service (config center), their defaults and validation. */

export const SAGA_TIMEOUT_KEY = 'config/order/saga-timeout-ms';
export const DEFAULT_SAGA_TIMEOUT_MS = 30_000;

/** A whole number of ms, 1 s .. 1 h; anything else is rejected (logged, previous value kept). */
export function parseSagaTimeoutMs(raw: unknown): number {
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1000 || raw > 3_600_000) {
    throw new Error('expected an integer number of ms in [1000, 3600000]');
  }
  return raw;
}
