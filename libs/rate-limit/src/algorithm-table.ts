import type { AlgorithmName } from '@shop/contracts';
import { RateLimitAlgorithm } from './algorithms/decision';
import { FixedWindowLimiter } from './algorithms/fixed-window.limiter';
import { SlidingWindowLimiter } from './algorithms/sliding-window.limiter';
import { TokenBucketLimiter } from './algorithms/token-bucket.limiter';
import { SharedLeakyBucket } from './allowance/shared-leaky-bucket';
import type { RateLimitPolicy } from './policy';

/**
 * What runs in Redis for each algorithm of a policy: the algorithm itself (algorithms/), except the leaky
 * bucket, which runs with the outflow shares it may lend (allowance/shared-leaky-bucket.ts).
 */
export const ALGORITHMS = {
  'fixed-window': new FixedWindowLimiter(),
  'sliding-window': new SlidingWindowLimiter(),
  'leaky-bucket': new SharedLeakyBucket(),
  'token-bucket': new TokenBucketLimiter(),
} as const satisfies Record<AlgorithmName, RateLimitAlgorithm<never, unknown>>;

/** The algorithm of a policy, typed loosely: the policy object carries exactly that algorithm's parameters. */
export function algorithmOf(policy: RateLimitPolicy): RateLimitAlgorithm<RateLimitPolicy, unknown> {
  return ALGORITHMS[policy.algorithm] as unknown as RateLimitAlgorithm<RateLimitPolicy, unknown>;
}

/** What RateLimit-Limit says for a policy: its budget at rest. */
export function advertisedLimit(policy: RateLimitPolicy): number {
  switch (policy.algorithm) {
    case 'fixed-window':
    case 'sliding-window':
      return policy.limit;
    case 'token-bucket':
      return policy.capacity;
    case 'leaky-bucket':
      return policy.queue + 1;
  }
}
