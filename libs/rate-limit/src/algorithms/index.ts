import { RateLimitAlgorithm } from './decision';
import { FixedWindowLimiter } from './fixed-window.limiter';
import { LeakyBucketLimiter } from './leaky-bucket.limiter';
import { SlidingWindowLimiter } from './sliding-window.limiter';
import { TokenBucketLimiter } from './token-bucket.limiter';
import type { AlgorithmName, RateLimitPolicy } from '../policy';

export const ALGORITHMS = {
  'fixed-window': new FixedWindowLimiter(),
  'sliding-window': new SlidingWindowLimiter(),
  'leaky-bucket': new LeakyBucketLimiter(),
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
