import type { SlidingWindowParams } from '@shop/contracts';
import { RateLimitAlgorithm, Step } from './decision';

// 滑动窗口 / sliding window: at most `limit` requests in ANY interval (t - windowMs, t].
// Its parameters (SlidingWindowParams) are a policy's, declared in @shop/contracts, where the console reads them too.

export interface SlidingWindowState {
  /**
   * Times of the admitted requests still inside the window, in the order recorded; never longer than `limit`.
   * Usually oldest first, but an allowance permit is recorded ahead of now (`allowanceShiftMs`), so after a policy change
   * (allowance or not) a later entry may lie before an earlier one: nothing here relies on the order.
   */
  hits: readonly number[];
}

/**
 * The sliding LOG variant: one timestamp per admitted request. Chosen over the weighted-counter approximation
 * because it keeps the promise exactly, for every window position, which is the point of sliding at all (the
 * weighted counter assumes the previous window's requests were spread evenly and can admit more than the limit
 * when they were not). The log is bounded by `limit` (<= 10 000, see the policy validator).
 *
 *   ----(-------- windowMs --------]---> t
 *        x  x x   x      x   x  now     count the x inside; admit when count < limit
 *
 * In Redis the log is a sorted set stored compressed, so that no call costs O(entries): every entry a script
 * call adds to a key has the same time (now + shiftMs), so a call adds ONE member `<stamp>:<count>` scored by
 * that time (stamp: the call's Redis TIME in us, unique). The live count is the member `#`, scored minus the
 * count: below every time, so no trim touches it and it always comes first. Loading reads `#` and the oldest
 * entry (ZRANGE 0 1); only when the oldest has left the window does it read the members leaving, subtract their
 * counts, remove them and rewrite `#`. Each member is added once and removed once: O(1) per call, amortized.
 *
 *   # -5 | 1700000000123456:3  1700000000100 | 1700000000131002:2  1700000000200   (limit 10: 5 in the window)
 *
 * Lua state: n = entries inside the window, oldest = the earliest one's time (nil: none), at = when this call's
 * entries are recorded (now + shiftMs), added = entries this call added.
 */
export class SlidingWindowLimiter implements RateLimitAlgorithm<SlidingWindowParams, SlidingWindowState> {
  readonly code = 2;
  readonly luaName = 'sliding_log';
  readonly lua = `
local function sliding_log_load(key, now, limit, window, shift)
  local cutoff = now - window
  local head = redis.call('ZRANGE', key, 0, 1, 'WITHSCORES')
  if head[1] and head[1] ~= '#' then
    -- A log in the previous layout (a member per entry, no count): dropped, so this key under-counts for one window.
    redis.call('DEL', key)
    head = {}
  end
  local n, oldest = 0, tonumber(head[4])
  if head[1] then n = -tonumber(head[2]) end
  if oldest and oldest <= cutoff then
    local gone = redis.call('ZRANGEBYSCORE', key, '(0', cutoff)
    for i = 1, #gone do n = n - tonumber(string.match(gone[i], '%d+$')) end
    redis.call('ZREMRANGEBYSCORE', key, '(0', cutoff)
    redis.call('ZADD', key, -n, '#')
    oldest = tonumber(redis.call('ZRANGE', key, 1, 1, 'WITHSCORES')[2])
  end
  return { n = n, oldest = oldest, at = now + shift, added = 0 }
end
local function sliding_log_take(st, now, limit, window, want)
  local n = math.min(want, limit - st.n)
  if n <= 0 then return 0 end
  return n, limit - st.n - n, window, { n = st.n + n, oldest = math.min(st.oldest or st.at, st.at), at = st.at, added = st.added + n }
end
local function sliding_log_decide(st, now, limit, window)
  if st.n < limit then
    local _, remaining, reset, nx = sliding_log_take(st, now, limit, window, 1)
    return 1, remaining, reset, 0, 0, nx
  end
  local retry = st.oldest + window - now
  return 0, 0, retry, retry, 0, nil
end
local function sliding_log_store(key, st, now, limit, window, stamp)
  redis.call('ZADD', key, -st.n, '#', st.at, stamp .. ':' .. st.added)
  redis.call('PEXPIRE', key, st.at - now + window + 1000)
end
`;

  luaArgs(p: SlidingWindowParams): readonly [number, number] {
    return [p.limit, p.windowMs];
  }

  decide(state: SlidingWindowState | undefined, now: number, p: SlidingWindowParams): Step<SlidingWindowState> {
    const all = state?.hits ?? [];
    const cutoff = now - p.windowMs;
    const hits = all.some((t) => t <= cutoff) ? all.filter((t) => t > cutoff) : all;
    if (hits.length < p.limit) {
      return {
        decision: { allowed: true, remaining: p.limit - hits.length - 1, resetMs: p.windowMs, retryAfterMs: 0, delayMs: 0 },
        state: { hits: [...hits, now] },
      };
    }
    const retry = hits.reduce((oldest, t) => Math.min(oldest, t)) + p.windowMs - now;
    return { decision: { allowed: false, remaining: 0, resetMs: retry, retryAfterMs: retry, delayMs: 0 }, state: { hits } };
  }
}
