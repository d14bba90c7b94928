/**
 * A rate limit policy's vocabulary, as `config/gateway/rate-limits` holds it: the gateway parses and enforces it
 * (@shop/rate-limit's parseRateLimitPolicies), the console (apps/web) edits it. Types and value lists only, so
 * that the browser bundle takes nothing of the server with it.
 */

/** 计数器 / fixed window counter: at most `limit` requests per aligned window of `windowMs`. */
export interface FixedWindowParams {
  limit: number;
  windowMs: number;
}

/** 滑动窗口 / sliding window: at most `limit` requests in ANY interval (t - windowMs, t]. */
export interface SlidingWindowParams {
  limit: number;
  windowMs: number;
}

/** 漏桶 / leaky bucket: requests leave at a constant `ratePerSec`; up to `queue` wait their turn, more are rejected. */
export interface LeakyBucketParams {
  ratePerSec: number;
  queue: number;
}

/** 令牌桶 / token bucket: holds up to `capacity` tokens, refilled at `refillPerSec`; a request takes one. */
export interface TokenBucketParams {
  capacity: number;
  refillPerSec: number;
}

/** Each algorithm's name in a policy (`"algorithm"`) and the parameters it takes beside it. */
export interface AlgorithmParams {
  'fixed-window': FixedWindowParams;
  'sliding-window': SlidingWindowParams;
  'leaky-bucket': LeakyBucketParams;
  'token-bucket': TokenBucketParams;
}
export type AlgorithmName = keyof AlgorithmParams;

/** Who shares one budget (`"key"`): each client IP, each customer, or everybody. */
export const KEY_BY = ['ip', 'customer', 'global'] as const;
export type KeyBy = (typeof KEY_BY)[number];

/** What a policy does when Redis cannot answer (`"onRedisError"`): admit, refuse with 503 (never 429), or decide in memory. */
export const ON_REDIS_ERROR = ['open', 'closed', 'local'] as const;
export type OnRedisError = (typeof ON_REDIS_ERROR)[number];
