import type Redis from 'ioredis';
import { ALGORITHMS } from './algorithms';
import { Decision } from './algorithms/decision';

/** One decision to make: the Redis key of the bucket, the algorithm's code and its two Lua arguments. */
export interface LimitCheck {
  key: string;
  code: number;
  a: number;
  b: number;
}

const algorithms = Object.values(ALGORITHMS);

/**
 * Every policy that applies to one request is decided in ONE atomic Lua call, with Redis's clock (TIME), so
 * any number of gateways sharing the Redis share each budget exactly. All-or-nothing: the new states are
 * written only when every policy admits the request, so a request refused by one policy spends nothing of
 * the others.
 */
export const RATE_LIMIT_LUA = `${algorithms.map((a) => a.lua).join('')}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local member = t[1] .. string.format('%06d', tonumber(t[2]))
local out, commits, all = {}, {}, true
for i = 1, #KEYS do
  local code, a, b = tonumber(ARGV[i * 3 - 2]), tonumber(ARGV[i * 3 - 1]), tonumber(ARGV[i * 3])
  local allowed, remaining, reset, retry, delay, commit
  if code == ${ALGORITHMS['fixed-window'].code} then
    allowed, remaining, reset, retry, delay, commit = fixed_window(KEYS[i], now, a, b)
  elseif code == ${ALGORITHMS['sliding-window'].code} then
    allowed, remaining, reset, retry, delay, commit = sliding_log(KEYS[i], now, a, b, member)
  elseif code == ${ALGORITHMS['token-bucket'].code} then
    allowed, remaining, reset, retry, delay, commit = token_bucket(KEYS[i], now, a, b)
  else
    allowed, remaining, reset, retry, delay, commit = leaky_bucket(KEYS[i], now, a, b)
  end
  if allowed == 0 then all = false end
  commits[i] = commit
  local o = i * 5 - 5
  out[o + 1], out[o + 2], out[o + 3], out[o + 4], out[o + 5] = allowed, remaining, reset, retry, delay
end
if all then
  for i = 1, #KEYS do commits[i]() end
end
return out
`;

interface RateLimitCommand {
  shopRateLimit(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
}

/** Sends the decisions of one request to Redis; concurrent requests share round trips via auto-pipelining. */
export class RedisRateLimiter {
  private readonly redis: Redis & RateLimitCommand;

  constructor(redis: Redis) {
    redis.defineCommand('shopRateLimit', { lua: RATE_LIMIT_LUA });
    this.redis = redis as Redis & RateLimitCommand;
  }

  async decide(checks: readonly LimitCheck[]): Promise<Decision[]> {
    const n = checks.length;
    const argv: (string | number)[] = new Array(n * 4);
    for (let i = 0; i < n; i++) {
      const c = checks[i]!;
      argv[i] = c.key;
      argv[n + i * 3] = c.code;
      argv[n + i * 3 + 1] = c.a;
      argv[n + i * 3 + 2] = c.b;
    }
    const out = await this.redis.shopRateLimit(n, ...argv);
    const decisions: Decision[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const o = i * 5;
      decisions[i] = { allowed: out[o] === 1, remaining: out[o + 1]!, resetMs: out[o + 2]!, retryAfterMs: out[o + 3]!, delayMs: out[o + 4]! };
    }
    return decisions;
  }
}
