/**
 * @shop/rate-limit: 限流, the seed's four rate limiting algorithms, each a pure decision function
 * (state, now, params) -> (decision, state) and the same function in Lua, run atomically in Redis with
 * Redis's clock so that any number of gateways share one budget:
 * - 计数器 fixed window counter: `FixedWindowLimiter`
 * - 滑动窗口 sliding window (log variant): `SlidingWindowLimiter`
 * - 漏桶 leaky bucket (reject, or hold in a bounded queue): `LeakyBucketLimiter`
 * - 令牌桶 token bucket: `TokenBucketLimiter`
 *
 * `RateLimitEngine` applies the policies of `config/gateway/rate-limits` (parsed by `parseRateLimitPolicies`)
 * to a request, in one Redis call, with each policy's fallback (open | closed | local) when Redis is down.
 *
 * algorithms/ holds each algorithm alone: its pure decision, its Lua twin and its test. allowance/ wraps them so
 * that most requests under load need no Redis call at all: budget allowances (`leaseSize`, allowance/allowance.ts) and,
 * for a fast leaky bucket, a share of its outflow instead (`SharedLeakyBucket`, allowance/shared-leaky-bucket.ts).
 */
export { ALGORITHMS, advertisedLimit } from './algorithm-table';
export { UNIT } from './algorithms/decision';
export type { Decision, RateLimitAlgorithm, Step } from './algorithms/decision';
export { FixedWindowLimiter } from './algorithms/fixed-window.limiter';
export type { FixedWindowState } from './algorithms/fixed-window.limiter';
export { LeakyBucketLimiter, pour } from './algorithms/leaky-bucket.limiter';
export type { LeakyBucketState } from './algorithms/leaky-bucket.limiter';
export { SlidingWindowLimiter } from './algorithms/sliding-window.limiter';
export type { SlidingWindowState } from './algorithms/sliding-window.limiter';
export { TokenBucketLimiter } from './algorithms/token-bucket.limiter';
export type { TokenBucketState } from './algorithms/token-bucket.limiter';
export { grantAllowance, AllowanceBook, maxAllowance, maxShare } from './allowance/allowance';
export type { Grant } from './allowance/allowance';
export { ALLOWANCE_MS } from './allowance/allowance-lifetime';
export { SharedLeakyBucket } from './allowance/shared-leaky-bucket';
export type { OutflowShare, SharedLeakyBucketState } from './allowance/shared-leaky-bucket';
export { LocalRateLimiter } from './local-rate-limiter';
export { MAX_POLICIES, MAX_SLIDING_LIMIT, parseRateLimitPolicies } from './policy';
export type { RateLimitPolicy } from './policy';
export { RateLimitEngine } from './rate-limit.engine';
export type { PolicyStats, RateLimitEngineOptions, RedisState, RequestIdentity, Verdict } from './rate-limit.engine';
export { RATE_LIMIT_LUA, RedisRateLimiter } from './redis-rate-limiter';
export type { LimitCheck } from './redis-rate-limiter';
