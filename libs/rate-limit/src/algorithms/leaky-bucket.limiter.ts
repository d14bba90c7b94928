import { RateLimitAlgorithm, Step, UNIT, unitsPerMs } from './decision';

/**
 * 漏桶 / leaky bucket: requests leave at a constant `ratePerSec`, one every 1000/rate ms.
 * `queue` = 0: a request that cannot leave at once is rejected (strict constant outflow, no burst at all).
 * `queue` = n: up to n requests wait their turn; each is admitted with `delayMs` (the gateway holds it that
 * long), and one more than n is rejected. This is nginx's limit_req (with `burst=n`, without `nodelay`).
 */
export interface LeakyBucketParams {
  ratePerSec: number;
  queue: number;
}

export interface LeakyBucketState {
  /** Water still to drain ahead of a new arrival, in fixed-point units (UNIT per request). */
  level: number;
  updatedAt: number;
}

/**
 * Water level formulation (equivalent to GCRA): each admitted request pours one UNIT; the bucket drains at
 * the rate; a new request departs when the water ahead of it has drained, so departures are exactly 1/rate
 * apart whatever the arrival pattern. The hold is rounded DOWN to whole ms: less than 1 ms of water ahead
 * is not worth a timer (at high rates nearly every request would otherwise wait 1 ms for nothing).
 *
 *   arrivals: xx x xxx      ->  [ queue ]  -> drip . . . . (constant rate)
 */
export class LeakyBucketLimiter implements RateLimitAlgorithm<LeakyBucketParams, LeakyBucketState> {
  readonly code = 4;
  readonly luaName = 'leaky_bucket';
  readonly lua = `
local function leaky_bucket_load(key, now, per_ms, queue)
  local s = redis.call('HMGET', key, 'l', 'u')
  return { l = tonumber(s[1]), u = tonumber(s[2]) }
end
local function leaky_bucket_decide(st, now, per_ms, queue)
  local level = 0
  if st.l then level = math.max(0, st.l - math.max(0, now - st.u) * per_ms) end
  local room = queue * ${UNIT}
  if level <= room then
    local after = level + ${UNIT}
    return 1, math.floor((room - level) / ${UNIT}), math.ceil(after / per_ms), 0, math.floor(level / per_ms), { l = after, u = now }
  end
  return 0, 0, math.ceil(level / per_ms), math.ceil((level - room) / per_ms), 0, nil
end
local function leaky_bucket_store(key, st, now, per_ms, queue)
  redis.call('HSET', key, 'l', st.l, 'u', st.u)
  redis.call('PEXPIRE', key, math.ceil(st.l / per_ms) + 1000)
end
`;

  luaArgs(p: LeakyBucketParams): readonly [number, number] {
    return [unitsPerMs(p.ratePerSec), p.queue];
  }

  decide(state: LeakyBucketState | undefined, now: number, p: LeakyBucketParams): Step<LeakyBucketState> {
    const perMs = unitsPerMs(p.ratePerSec);
    const level = state === undefined ? 0 : Math.max(0, state.level - Math.max(0, now - state.updatedAt) * perMs);
    const room = p.queue * UNIT;
    if (level <= room) {
      const after = level + UNIT;
      return {
        decision: {
          allowed: true,
          remaining: Math.floor((room - level) / UNIT),
          resetMs: Math.ceil(after / perMs),
          retryAfterMs: 0,
          delayMs: Math.floor(level / perMs),
        },
        state: { level: after, updatedAt: now },
      };
    }
    return {
      decision: {
        allowed: false,
        remaining: 0,
        resetMs: Math.ceil(level / perMs),
        retryAfterMs: Math.ceil((level - room) / perMs),
        delayMs: 0,
      },
      state: state ?? { level, updatedAt: now },
    };
  }
}
