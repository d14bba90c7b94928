import type { LeakyBucketParams } from '@shop/contracts';
import { Decision, Step, UNIT, unitsPerMs } from './decision';

// 漏桶 / leaky bucket: requests leave at a constant `ratePerSec`, one every 1000/rate ms.
// `queue` = 0: a request that cannot leave at once is rejected (strict constant outflow, no burst at all).
// `queue` = n: up to n requests wait their turn; each is admitted with `delayMs` (the gateway holds it that
// long), and one more than n is rejected. This is nginx's limit_req (with `burst=n`, without `nodelay`).
// Its parameters (LeakyBucketParams) are a policy's, declared in @shop/contracts, where the console reads them too.

export interface LeakyBucketState {
  /** Water still to drain ahead of a new arrival, in fixed-point units (UNIT per request). */
  level: number;
  updatedAt: number;
}

/**
 * The rule, given the water ahead of a new arrival (`level`, in units) and how long water takes to drain from
 * now (`drainMs`, fractional ms): with at most `queue` requests ahead it is admitted, and departs once the water
 * ahead of it has drained; the hold is rounded DOWN to whole ms (less than 1 ms of water ahead is not worth a
 * timer: at high rates nearly every request would otherwise wait 1 ms for nothing). Otherwise it is rejected
 * until enough water has drained for it to fit.
 */
export function pour(level: number, queue: number, drainMs: (water: number) => number): Decision {
  const room = queue * UNIT;
  if (level <= room) {
    return {
      allowed: true,
      remaining: Math.floor((room - level) / UNIT),
      resetMs: Math.ceil(drainMs(level + UNIT)),
      retryAfterMs: 0,
      delayMs: Math.floor(drainMs(level)),
    };
  }
  return { allowed: false, remaining: 0, resetMs: Math.ceil(drainMs(level)), retryAfterMs: Math.ceil(drainMs(level - room)), delayMs: 0 };
}

/**
 * Water level formulation (equivalent to GCRA): each admitted request pours one UNIT; the bucket drains at
 * the rate; a new request departs when the water ahead of it has drained, so departures are exactly 1/rate
 * apart whatever the arrival pattern.
 *
 *   arrivals: xx x xxx      ->  [ queue ]  -> drip . . . . (constant rate)
 *
 * What runs in Redis is this rule with outflow shares around it (allowance/shared-leaky-bucket.ts): a fast
 * bucket lends gateways a share of its outflow per ms, and drains that much slower meanwhile.
 */
export class LeakyBucketLimiter {
  decide(state: LeakyBucketState | undefined, now: number, p: LeakyBucketParams): Step<LeakyBucketState> {
    const perMs = unitsPerMs(p.ratePerSec);
    const level = state === undefined ? 0 : Math.max(0, state.level - Math.max(0, now - state.updatedAt) * perMs);
    const decision = pour(level, p.queue, (water) => water / perMs);
    if (!decision.allowed) return { decision, state: state ?? { level, updatedAt: now } };
    return { decision, state: { level: level + UNIT, updatedAt: now } };
  }
}
