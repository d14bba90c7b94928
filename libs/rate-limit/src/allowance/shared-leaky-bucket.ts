import { RateLimitAlgorithm, Step, UNIT, unitsPerMs } from '../algorithms/decision';
import type { LeakyBucketParams } from '@shop/contracts';
import { LeakyBucketState, pour } from '../algorithms/leaky-bucket.limiter';
import { ALLOWANCE_MS } from './allowance-lifetime';

/** The leaky bucket's state in Redis: its water, and the outflow lent to gateways' shares. */
export interface SharedLeakyBucketState extends LeakyBucketState {
  /** Outflow reserved by gateways' shares (units per ms, see `share`) until `reservedUntil`; absent: none. */
  reserved?: number;
  reservedUntil?: number;
  /** Outflow reserved by shares taken ahead for the epoch after, [reservedUntil, reservedUntil + ALLOWANCE_MS). */
  nextReserved?: number;
}

/**
 * A share granted: `perMs` departures in each ms for `forMs` ms, starting `startsInMs` from now (0 perMs:
 * refused). A share for the current epoch starts now; one taken ahead starts with the next epoch.
 */
export interface OutflowShare {
  perMs: number;
  forMs: number;
  startsInMs: number;
}

/** How early, before its epoch begins, a share of the next epoch may be taken: it is held that much longer. */
export const SHARE_AHEAD_MS = ALLOWANCE_MS / 2;

/**
 * The leaky bucket (algorithms/leaky-bucket.limiter.ts: `pour`) with outflow shares, as it runs in Redis: what
 * a gateway takes from a fast bucket. c departures in every ms until the end of the current ALLOWANCE_MS epoch are
 * set aside for one gateway (`share`), and the bucket drains at rate - c meanwhile. A gateway whose share is
 * about to end may take its share of the next epoch ahead (`share` with `ahead`), so that it never has to ask
 * Redis at the epoch's turn. Ms by ms the shared water and the shares together never let out more than the
 * rate allows:
 *
 *   ms:            m     m+1    m+2   ...  epoch end   next epoch       after
 *   shared drain:  rate  rate-c rate-c      rate-c'    ...              rate
 *   share:         -     <= c   <= c        <= c'      (taken ahead)    -
 *
 * Without shares it decides exactly as the plain leaky bucket (shared-leaky-bucket.spec.ts checks it).
 */
export class SharedLeakyBucket implements RateLimitAlgorithm<LeakyBucketParams, SharedLeakyBucketState> {
  readonly code = 4;
  readonly luaName = 'leaky_bucket';
  readonly lua = `
local function leaky_bucket_load(key, now, per_ms, queue)
  local s = redis.call('HMGET', key, 'l', 'u', 'r', 'e', 'n')
  return { l = tonumber(s[1]), u = tonumber(s[2]), r = tonumber(s[3]) or 0, e = tonumber(s[4]) or 0, n = tonumber(s[5]) or 0 }
end
local function leaky_bucket_level(st, now, per_ms)
  if not st.l then return 0, 0, 0, 0 end
  local half = math.floor(per_ms / 2)
  local level, r, e, n = st.l, math.min(st.r, half), st.e, math.min(st.n, half)
  if now > st.u then
    level = level - (now - st.u) * per_ms
    if st.u < e then level = level + (math.min(now, e) - st.u) * r end
    if n > 0 and now > e then level = level + math.max(0, math.min(now, e + ${ALLOWANCE_MS}) - math.max(st.u, e)) * n end
  end
  if now >= e then
    if n > 0 and now < e + ${ALLOWANCE_MS} then r, e, n = n, e + ${ALLOWANCE_MS}, 0 else r, n = 0, 0 end
  end
  return math.max(0, level), r, e, n
end
local function leaky_bucket_drain_ms(water, now, per_ms, r, e, n)
  local elapsed = 0
  if now < e and (r > 0 or n > 0) then
    local first = (e - now) * (per_ms - r)
    if water <= first then return water / (per_ms - r) end
    water, elapsed = water - first, e - now
  end
  if n > 0 then
    local len = e + ${ALLOWANCE_MS} - math.max(now, e)
    local second = len * (per_ms - n)
    if water <= second then return elapsed + water / (per_ms - n) end
    water, elapsed = water - second, elapsed + len
  end
  return elapsed + water / per_ms
end
local function leaky_bucket_decide(st, now, per_ms, queue)
  local level, r, e, n = leaky_bucket_level(st, now, per_ms)
  local room = queue * ${UNIT}
  if level <= room then
    local after = level + ${UNIT}
    return 1, math.floor((room - level) / ${UNIT}), math.ceil(leaky_bucket_drain_ms(after, now, per_ms, r, e, n)), 0,
      math.floor(leaky_bucket_drain_ms(level, now, per_ms, r, e, n)), { l = after, u = now, r = r, e = e, n = n }
  end
  return 0, 0, math.ceil(leaky_bucket_drain_ms(level, now, per_ms, r, e, n)), math.ceil(leaky_bucket_drain_ms(level - room, now, per_ms, r, e, n)), 0, nil
end
-- Permit i (from 0) finds level + i units ahead of it: admitted while that is within the room.
local function leaky_bucket_take(st, now, per_ms, queue, want)
  local level, r, e, n = leaky_bucket_level(st, now, per_ms)
  local room = queue * ${UNIT}
  if level > room then return 0 end
  local granted = math.min(want, math.floor((room - level) / ${UNIT}) + 1)
  local last = level + (granted - 1) * ${UNIT}
  return granted, math.floor((room - last) / ${UNIT}), math.ceil(leaky_bucket_drain_ms(last + ${UNIT}, now, per_ms, r, e, n)),
    { l = last + ${UNIT}, u = now, r = r, e = e, n = n }
end
local function leaky_bucket_share(st, now, per_ms, queue, want, ahead)
  local level, r, e, n = leaky_bucket_level(st, now, per_ms)
  local epoch_end = (math.floor(now / ${ALLOWANCE_MS}) + 1) * ${ALLOWANCE_MS}
  if r == 0 and n == 0 then e = epoch_end end
  if ahead then
    local nn = n + want * ${UNIT}
    if e - now > ${SHARE_AHEAD_MS} or 2 * nn > per_ms or leaky_bucket_drain_ms(level, now, per_ms, r, e, n) > e - now then return 0, 0, 0, nil end
    return want, ${ALLOWANCE_MS}, e - now, { l = level, u = now, r = r, e = e, n = nn }
  end
  local nr = r + want * ${UNIT}
  if e - now < 2 or 2 * nr > per_ms or level > per_ms - nr then return 0, 0, 0, nil end
  return want, e - now, 0, { l = level, u = now, r = nr, e = e, n = n }
end
local function leaky_bucket_store(key, st, now, per_ms, queue)
  redis.call('HSET', key, 'l', st.l, 'u', st.u, 'r', st.r, 'e', st.e, 'n', st.n)
  local live = math.ceil(leaky_bucket_drain_ms(st.l, now, per_ms, st.r, st.e, st.n))
  if st.r > 0 or st.n > 0 then live = math.max(live, st.e + ${ALLOWANCE_MS} - now) end
  redis.call('PEXPIRE', key, live + 1000)
end
`;

  luaArgs(p: LeakyBucketParams): readonly [number, number] {
    return [unitsPerMs(p.ratePerSec), p.queue];
  }

  decide(state: SharedLeakyBucketState | undefined, now: number, p: LeakyBucketParams): Step<SharedLeakyBucketState> {
    const perMs = unitsPerMs(p.ratePerSec);
    const current = drained(state, now, perMs);
    const decision = pour(current.level, p.queue, (water) => drainTime(water, now, perMs, current));
    if (!decision.allowed) return { decision, state: state ?? { level: current.level, updatedAt: now } };
    return { decision, state: withReserves({ level: current.level + UNIT, updatedAt: now }, current) };
  }

  /**
   * Sets aside `want` departures per ms for one gateway, from now to the end of the current ALLOWANCE_MS epoch
   * (every share of a key ends there), by draining the shared water that much slower meanwhile. Granted only
   * when (1) at least one whole ms is left, (2) shares keep at most half of the outflow, and (3) the water
   * already in the bucket drains within this ms at the slower rate: then every departure already promised
   * happens in this ms, no promised departure moves, and the gateway spends its share from the next ms on.
   *
   * `ahead`: the share of the NEXT epoch instead, for a gateway whose share is about to end, taken at most
   * SHARE_AHEAD_MS before that epoch begins. Granted when shares of that epoch keep at most half of the
   * outflow and the water in the bucket drains before it begins: again no promised departure moves, and
   * every departure promised from now on is computed with the next epoch's slower drain.
   */
  share(
    state: SharedLeakyBucketState | undefined,
    now: number,
    p: LeakyBucketParams,
    want: number,
    ahead = false,
  ): { share: OutflowShare; state: SharedLeakyBucketState | undefined } {
    const perMs = unitsPerMs(p.ratePerSec);
    const current = drained(state, now, perMs);
    const epochEnd = (Math.floor(now / ALLOWANCE_MS) + 1) * ALLOWANCE_MS;
    const until = current.reserved > 0 || current.next > 0 ? current.until : epochEnd;
    const refused = { share: { perMs: 0, forMs: 0, startsInMs: 0 }, state };
    if (ahead) {
      const next = current.next + want * UNIT;
      const reserves = { reserved: current.reserved, until, next: current.next };
      if (until - now > SHARE_AHEAD_MS || 2 * next > perMs || drainTime(current.level, now, perMs, reserves) > until - now) return refused;
      return {
        share: { perMs: want, forMs: ALLOWANCE_MS, startsInMs: until - now },
        state: { level: current.level, updatedAt: now, reserved: current.reserved, reservedUntil: until, nextReserved: next },
      };
    }
    const reserved = current.reserved + want * UNIT;
    if (until - now < 2 || 2 * reserved > perMs || current.level > perMs - reserved) return refused;
    return {
      share: { perMs: want, forMs: until - now, startsInMs: 0 },
      state: withReserves({ level: current.level, updatedAt: now }, { reserved, until, next: current.next }),
    };
  }
}

/** The outflow reserved by shares: `reserved` per ms until `until`, then `next` per ms for one more epoch. */
interface Reserves {
  reserved: number;
  until: number;
  next: number;
}

/**
 * The water left at `now` (drained at rate - reserved until `until`, at rate - next for the epoch after, then
 * at the full rate) and the reserves in force at `now` (the next epoch's become the current ones once it begins).
 */
function drained(state: SharedLeakyBucketState | undefined, now: number, perMs: number): Reserves & { level: number } {
  if (state === undefined) return { level: 0, reserved: 0, until: 0, next: 0 };
  // At most half the outflow, even after the policy's rate was lowered under a running share.
  const half = Math.floor(perMs / 2);
  let reserved = Math.min(state.reserved ?? 0, half);
  let until = state.reservedUntil ?? 0;
  let next = Math.min(state.nextReserved ?? 0, half);
  let level = state.level;
  const from = state.updatedAt;
  if (now > from) {
    level -= (now - from) * perMs;
    if (from < until) level += (Math.min(now, until) - from) * reserved;
    if (next > 0 && now > until) level += Math.max(0, Math.min(now, until + ALLOWANCE_MS) - Math.max(from, until)) * next;
  }
  if (now >= until) {
    if (next > 0 && now < until + ALLOWANCE_MS) {
      reserved = next;
      until += ALLOWANCE_MS;
    } else {
      reserved = 0;
    }
    next = 0;
  }
  return { level: Math.max(0, level), reserved, until, next };
}

/** How long `water` takes to drain from `now` (fractional ms), with the reserves in force. */
function drainTime(water: number, now: number, perMs: number, r: Reserves): number {
  let elapsed = 0;
  if (now < r.until && (r.reserved > 0 || r.next > 0)) {
    const first = (r.until - now) * (perMs - r.reserved);
    if (water <= first) return water / (perMs - r.reserved);
    water -= first;
    elapsed = r.until - now;
  }
  if (r.next > 0) {
    const len = r.until + ALLOWANCE_MS - Math.max(now, r.until);
    const second = len * (perMs - r.next);
    if (water <= second) return elapsed + water / (perMs - r.next);
    water -= second;
    elapsed += len;
  }
  return elapsed + water / perMs;
}

function withReserves(state: SharedLeakyBucketState, r: Reserves): SharedLeakyBucketState {
  if (r.reserved === 0 && r.next === 0) return state;
  return r.next > 0 ? { ...state, reserved: r.reserved, reservedUntil: r.until, nextReserved: r.next } : { ...state, reserved: r.reserved, reservedUntil: r.until };
}
