import { RateLimitAlgorithm, Step } from './decision';

/** 滑动窗口 / sliding window: at most `limit` requests in ANY interval (t - windowMs, t]. */
export interface SlidingWindowParams {
  limit: number;
  windowMs: number;
}

export interface SlidingWindowState {
  /** Times of the admitted requests still inside the window, oldest first; never longer than `limit`. */
  hits: readonly number[];
}

/**
 * The sliding LOG variant: one timestamp per admitted request (a sorted set in Redis). Chosen over the
 * weighted-counter approximation because it keeps the promise exactly, for every window position, which is
 * the point of sliding at all (the weighted counter assumes the previous window's requests were spread
 * evenly and can admit more than the limit when they were not). The cost is memory O(limit) per key, bounded
 * by the policy validator (limit <= 10 000).
 *
 *   ----(-------- windowMs --------]---> t
 *        x  x x   x      x   x  now     count the x inside; admit when count < limit
 */
export class SlidingWindowLimiter implements RateLimitAlgorithm<SlidingWindowParams, SlidingWindowState> {
  readonly code = 2;
  readonly luaName = 'sliding_log';
  // State in Lua: n = entries inside the window, oldest = the first one's time, add = entries to write.
  readonly lua = `
local function sliding_log_load(key, now, limit, window)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return { n = redis.call('ZCARD', key), oldest = tonumber(oldest[2]), add = {} }
end
local function sliding_log_decide(st, now, limit, window)
  if st.n < limit then
    return 1, limit - st.n - 1, window, 0, 0, { n = st.n + 1, oldest = st.oldest or now, add = st.add, member = now }
  end
  local retry = st.oldest + window - now
  return 0, 0, retry, retry, 0, nil
end
local function sliding_log_store(key, st, now, limit, window)
  redis.call('ZADD', key, unpack(st.add))
  redis.call('PEXPIRE', key, window + 1000)
end
`;

  luaArgs(p: SlidingWindowParams): readonly [number, number] {
    return [p.limit, p.windowMs];
  }

  decide(state: SlidingWindowState | undefined, now: number, p: SlidingWindowParams): Step<SlidingWindowState> {
    const all = state?.hits ?? [];
    let first = 0;
    while (first < all.length && all[first]! <= now - p.windowMs) first++;
    const hits = first === 0 ? all : all.slice(first);
    if (hits.length < p.limit) {
      return {
        decision: { allowed: true, remaining: p.limit - hits.length - 1, resetMs: p.windowMs, retryAfterMs: 0, delayMs: 0 },
        state: { hits: [...hits, now] },
      };
    }
    const retry = hits[0]! + p.windowMs - now;
    return { decision: { allowed: false, remaining: 0, resetMs: retry, retryAfterMs: retry, delayMs: 0 }, state: { hits } };
  }
}
