import { LEASE_MS, RateLimitAlgorithm, Step, UNIT, unitsPerMs } from './decision';

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
  /** Outflow reserved by gateways' shares (units per ms, see `share`) until `reservedUntil`; absent: none. */
  reserved?: number;
  reservedUntil?: number;
}

/** A share granted: `perMs` departures in each ms for the next `forMs` ms (0 perMs: refused). */
export interface OutflowShare {
  perMs: number;
  forMs: number;
}

/**
 * Water level formulation (equivalent to GCRA): each admitted request pours one UNIT; the bucket drains at
 * the rate; a new request departs when the water ahead of it has drained, so departures are exactly 1/rate
 * apart whatever the arrival pattern. The hold is rounded DOWN to whole ms: less than 1 ms of water ahead
 * is not worth a timer (at high rates nearly every request would otherwise wait 1 ms for nothing).
 *
 *   arrivals: xx x xxx      ->  [ queue ]  -> drip . . . . (constant rate)
 *
 * Outflow shares (what a gateway leases from a fast bucket, see `share`): c departures in every ms until the
 * end of the current LEASE_MS epoch are set aside for one gateway, and the bucket drains at rate - c meanwhile.
 * Ms by ms the shared water and the shares together never let out more than the rate allows:
 *
 *   ms:            m     m+1    m+2   ...  epoch end
 *   shared drain:  rate  rate-c rate-c      rate
 *   share:         -     <= c   <= c        -
 */
export class LeakyBucketLimiter implements RateLimitAlgorithm<LeakyBucketParams, LeakyBucketState> {
  readonly code = 4;
  readonly luaName = 'leaky_bucket';
  readonly lua = `
local function leaky_bucket_load(key, now, per_ms, queue)
  local s = redis.call('HMGET', key, 'l', 'u', 'r', 'e')
  return { l = tonumber(s[1]), u = tonumber(s[2]), r = tonumber(s[3]) or 0, e = tonumber(s[4]) or 0 }
end
local function leaky_bucket_level(st, now, per_ms)
  if not st.l then return 0, 0, 0 end
  local level, r, e = st.l, math.min(st.r, math.floor(per_ms / 2)), st.e
  if now > st.u then
    if r > 0 and st.u < e then
      level = level - (math.min(now, e) - st.u) * (per_ms - r)
      if now > e then level = level - (now - e) * per_ms end
    else
      level = level - (now - st.u) * per_ms
    end
  end
  if now >= e then r = 0 end
  return math.max(0, level), r, e
end
local function leaky_bucket_drain_ms(water, now, per_ms, r, e)
  if r > 0 then
    local first = (e - now) * (per_ms - r)
    if water <= first then return water / (per_ms - r) end
    return (e - now) + (water - first) / per_ms
  end
  return water / per_ms
end
local function leaky_bucket_decide(st, now, per_ms, queue)
  local level, r, e = leaky_bucket_level(st, now, per_ms)
  local room = queue * ${UNIT}
  if level <= room then
    local after = level + ${UNIT}
    return 1, math.floor((room - level) / ${UNIT}), math.ceil(leaky_bucket_drain_ms(after, now, per_ms, r, e)), 0,
      math.floor(leaky_bucket_drain_ms(level, now, per_ms, r, e)), { l = after, u = now, r = r, e = e }
  end
  return 0, 0, math.ceil(leaky_bucket_drain_ms(level, now, per_ms, r, e)), math.ceil(leaky_bucket_drain_ms(level - room, now, per_ms, r, e)), 0, nil
end
-- Permit i (from 0) finds level + i units ahead of it: admitted while that is within the room.
local function leaky_bucket_take(st, now, per_ms, queue, want)
  local level, r, e = leaky_bucket_level(st, now, per_ms)
  local room = queue * ${UNIT}
  if level > room then return 0 end
  local n = math.min(want, math.floor((room - level) / ${UNIT}) + 1)
  local last = level + (n - 1) * ${UNIT}
  return n, math.floor((room - last) / ${UNIT}), math.ceil(leaky_bucket_drain_ms(last + ${UNIT}, now, per_ms, r, e)),
    { l = last + ${UNIT}, u = now, r = r, e = e }
end
local function leaky_bucket_share(st, now, per_ms, queue, want)
  local level, r, e = leaky_bucket_level(st, now, per_ms)
  if r == 0 then e = (math.floor(now / ${LEASE_MS}) + 1) * ${LEASE_MS} end
  local nr = r + want * ${UNIT}
  if e - now < 2 or 2 * nr > per_ms or level > per_ms - nr then return 0, 0, nil end
  return want, e - now, { l = level, u = now, r = nr, e = e }
end
local function leaky_bucket_store(key, st, now, per_ms, queue)
  redis.call('HSET', key, 'l', st.l, 'u', st.u, 'r', st.r, 'e', st.e)
  local live = math.ceil(leaky_bucket_drain_ms(st.l, now, per_ms, st.r, st.e))
  if st.r > 0 then live = math.max(live, st.e - now) end
  redis.call('PEXPIRE', key, live + 1000)
end
`;

  luaArgs(p: LeakyBucketParams): readonly [number, number] {
    return [unitsPerMs(p.ratePerSec), p.queue];
  }

  decide(state: LeakyBucketState | undefined, now: number, p: LeakyBucketParams): Step<LeakyBucketState> {
    const perMs = unitsPerMs(p.ratePerSec);
    const { level, reserved, until } = drained(state, now, perMs);
    const drainMs = (water: number) => drainTime(water, now, perMs, reserved, until);
    const room = p.queue * UNIT;
    if (level <= room) {
      const after = level + UNIT;
      return {
        decision: {
          allowed: true,
          remaining: Math.floor((room - level) / UNIT),
          resetMs: Math.ceil(drainMs(after)),
          retryAfterMs: 0,
          delayMs: Math.floor(drainMs(level)),
        },
        state: withReserve({ level: after, updatedAt: now }, reserved, until),
      };
    }
    return {
      decision: { allowed: false, remaining: 0, resetMs: Math.ceil(drainMs(level)), retryAfterMs: Math.ceil(drainMs(level - room)), delayMs: 0 },
      state: state ?? { level, updatedAt: now },
    };
  }

  /**
   * Sets aside `want` departures per ms for one gateway, from now to the end of the current LEASE_MS epoch
   * (every share of a key ends there), by draining the shared water that much slower meanwhile. Granted only
   * when (1) at least one whole ms is left, (2) shares keep at most half of the outflow, and (3) the water
   * already in the bucket drains within this ms at the slower rate: then every departure already promised
   * happens in this ms, no promised departure moves, and the gateway spends its share from the next ms on.
   */
  share(state: LeakyBucketState | undefined, now: number, p: LeakyBucketParams, want: number): { share: OutflowShare; state: LeakyBucketState | undefined } {
    const perMs = unitsPerMs(p.ratePerSec);
    const current = drained(state, now, perMs);
    const until = current.reserved > 0 ? current.until : (Math.floor(now / LEASE_MS) + 1) * LEASE_MS;
    const reserved = current.reserved + want * UNIT;
    if (until - now < 2 || 2 * reserved > perMs || current.level > perMs - reserved) return { share: { perMs: 0, forMs: 0 }, state };
    return { share: { perMs: want, forMs: until - now }, state: { level: current.level, updatedAt: now, reserved, reservedUntil: until } };
  }
}

/** The water left at `now` (drained at rate - reserved until `until`, then at the full rate) and the reserve in force. */
function drained(state: LeakyBucketState | undefined, now: number, perMs: number): { level: number; reserved: number; until: number } {
  if (state === undefined) return { level: 0, reserved: 0, until: 0 };
  let level = state.level;
  // At most half the outflow, even after the policy's rate was lowered under a running share.
  let reserved = Math.min(state.reserved ?? 0, Math.floor(perMs / 2));
  const until = state.reservedUntil ?? 0;
  const from = state.updatedAt;
  if (now > from) {
    if (reserved > 0 && from < until) {
      level -= (Math.min(now, until) - from) * (perMs - reserved);
      if (now > until) level -= (now - until) * perMs;
    } else {
      level -= (now - from) * perMs;
    }
  }
  if (now >= until) reserved = 0;
  return { level: Math.max(0, level), reserved, until };
}

/** How long `water` takes to drain from `now` (fractional ms), with the reserve in force until `until`. */
function drainTime(water: number, now: number, perMs: number, reserved: number, until: number): number {
  if (reserved > 0) {
    const first = (until - now) * (perMs - reserved);
    return water <= first ? water / (perMs - reserved) : until - now + (water - first) / perMs;
  }
  return water / perMs;
}

function withReserve(state: LeakyBucketState, reserved: number, until: number): LeakyBucketState {
  return reserved > 0 ? { ...state, reserved, reservedUntil: until } : state;
}
