import type { TokenBucketParams } from '@shop/contracts';
import { RateLimitAlgorithm, Step, UNIT, unitsPerMs } from './decision';

// 令牌桶 / token bucket: holds up to `capacity` tokens, refilled at `refillPerSec`; a request takes one.
// Its parameters (TokenBucketParams) are a policy's, declared in @shop/contracts, where the console reads them too.

export interface TokenBucketState {
  /** Tokens in fixed-point units (UNIT per token), so the refill is exact integer arithmetic. */
  tokens: number;
  updatedAt: number;
}

/**
 * Allows bursts up to `capacity` after a quiet period, and `refillPerSec` on average: the usual choice for
 * APIs. Over any interval T it admits at most capacity + T x rate.
 *
 *    refill (rate) -> [ o o o . . ] capacity     request: take one o, or 429 when empty
 */
export class TokenBucketLimiter implements RateLimitAlgorithm<TokenBucketParams, TokenBucketState> {
  readonly code = 3;
  readonly luaName = 'token_bucket';
  readonly lua = `
local function token_bucket_load(key, now, capacity, per_ms)
  local s = redis.call('HMGET', key, 't', 'u')
  return { t = tonumber(s[1]), u = tonumber(s[2]) }
end
local function token_bucket_decide(st, now, capacity, per_ms)
  local cap = capacity * ${UNIT}
  local tokens = cap
  if st.t then tokens = math.min(cap, st.t + math.max(0, now - st.u) * per_ms) end
  if tokens >= ${UNIT} then
    local left = tokens - ${UNIT}
    return 1, math.floor(left / ${UNIT}), math.ceil((cap - left) / per_ms), 0, 0, { t = left, u = now }
  end
  return 0, 0, math.ceil((cap - tokens) / per_ms), math.ceil((${UNIT} - tokens) / per_ms), 0, nil
end
local function token_bucket_take(st, now, capacity, per_ms, want)
  local cap = capacity * ${UNIT}
  local tokens = cap
  if st.t then tokens = math.min(cap, st.t + math.max(0, now - st.u) * per_ms) end
  local n = math.min(want, math.floor(tokens / ${UNIT}))
  if n <= 0 then return 0 end
  local left = tokens - n * ${UNIT}
  return n, math.floor(left / ${UNIT}), math.ceil((cap - left) / per_ms), { t = left, u = now }
end
local function token_bucket_store(key, st, now, capacity, per_ms)
  redis.call('HSET', key, 't', st.t, 'u', st.u)
  redis.call('PEXPIRE', key, math.ceil((capacity * ${UNIT} - st.t) / per_ms) + 1000)
end
`;

  luaArgs(p: TokenBucketParams): readonly [number, number] {
    return [p.capacity, unitsPerMs(p.refillPerSec)];
  }

  decide(state: TokenBucketState | undefined, now: number, p: TokenBucketParams): Step<TokenBucketState> {
    const cap = p.capacity * UNIT;
    const perMs = unitsPerMs(p.refillPerSec);
    const tokens = state === undefined ? cap : Math.min(cap, state.tokens + Math.max(0, now - state.updatedAt) * perMs);
    if (tokens >= UNIT) {
      const left = tokens - UNIT;
      return {
        decision: {
          allowed: true,
          remaining: Math.floor(left / UNIT),
          resetMs: Math.ceil((cap - left) / perMs),
          retryAfterMs: 0,
          delayMs: 0,
        },
        state: { tokens: left, updatedAt: now },
      };
    }
    return {
      decision: {
        allowed: false,
        remaining: 0,
        resetMs: Math.ceil((cap - tokens) / perMs),
        retryAfterMs: Math.ceil((UNIT - tokens) / perMs),
        delayMs: 0,
      },
      state: state ?? { tokens, updatedAt: now },
    };
  }
}
