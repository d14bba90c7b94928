import type { FixedWindowParams } from '@shop/contracts';
import { RateLimitAlgorithm, Step } from './decision';

// 计数器 / fixed window counter: at most `limit` requests per aligned window of `windowMs`.
// Its parameters (FixedWindowParams) are a policy's, declared in @shop/contracts, where the console reads them too.

export interface FixedWindowState {
  windowStart: number;
  count: number;
}

/**
 * Cheapest of the four (one small hash per key) but it promises only "per aligned window": a client may send
 * `limit` requests at the end of one window and `limit` more at the start of the next, 2x the limit within
 * one window length. The sliding window exists to remove that burst.
 *
 *   window k          | window k+1
 *   ..........xxxxxxxx|xxxxxxxx..........   <- 2 x limit within windowMs
 */
export class FixedWindowLimiter implements RateLimitAlgorithm<FixedWindowParams, FixedWindowState> {
  readonly code = 1;
  readonly luaName = 'fixed_window';
  readonly lua = `
local function fixed_window_load(key, now, limit, window)
  local s = redis.call('HMGET', key, 's', 'c')
  return { s = tonumber(s[1]), c = tonumber(s[2]) }
end
local function fixed_window_decide(st, now, limit, window)
  local start = now - (now % window)
  local count = 0
  if st.s == start then count = st.c end
  local reset = start + window - now
  if count < limit then return 1, limit - count - 1, reset, 0, 0, { s = start, c = count + 1 } end
  return 0, 0, reset, reset, 0, nil
end
local function fixed_window_take(st, now, limit, window, want)
  local start = now - (now % window)
  local count = 0
  if st.s == start then count = st.c end
  local n = math.min(want, limit - count)
  if n <= 0 then return 0 end
  return n, limit - count - n, start + window - now, { s = start, c = count + n }
end
local function fixed_window_store(key, st, now, limit, window)
  redis.call('HSET', key, 's', st.s, 'c', st.c)
  redis.call('PEXPIRE', key, st.s + window - now)
end
`;

  luaArgs(p: FixedWindowParams): readonly [number, number] {
    return [p.limit, p.windowMs];
  }

  decide(state: FixedWindowState | undefined, now: number, p: FixedWindowParams): Step<FixedWindowState> {
    const windowStart = now - (now % p.windowMs);
    const count = state !== undefined && state.windowStart === windowStart ? state.count : 0;
    const resetMs = windowStart + p.windowMs - now;
    if (count < p.limit) {
      return {
        decision: { allowed: true, remaining: p.limit - count - 1, resetMs, retryAfterMs: 0, delayMs: 0 },
        state: { windowStart, count: count + 1 },
      };
    }
    return {
      decision: { allowed: false, remaining: 0, resetMs, retryAfterMs: resetMs, delayMs: 0 },
      state: state ?? { windowStart, count },
    };
  }
}
