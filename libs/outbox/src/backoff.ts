/** Exponential backoff for publish retries: base * 2^(attempt-1), capped, with optional jitter. */
export interface BackoffPolicy {
  /** Delay after the first failed attempt. */
  baseMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
  /**
   * Fraction (0..1) of the delay that is randomized, so that rows failed together do not retry in lockstep.
   * 0 makes the schedule deterministic.
   */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 60_000, jitter: 0.2 };

/**
 * Delay before the next attempt after `attempts` failed attempts (attempts >= 1). `random` returns [0, 1).
 * Worked example with the defaults and no jitter: 500, 1000, 2000, 4000, ... 32000, 60000, 60000 ms.
 */
export function backoffDelayMs(attempts: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempts, 1) - 1, 30);
  const full = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  const jitter = Math.min(Math.max(policy.jitter, 0), 1);
  return Math.round(full * (1 - jitter) + full * jitter * random());
}
