import type { Verdict } from '@shop/rate-limit';
import type { GatewayErrorCode } from './gateway-errors';

export interface Refusal {
  status: number;
  code: GatewayErrorCode;
  message: string;
  headers: string[];
}

/** The contract's answer to a verdict that does not admit: 429 with Retry-After and RateLimit-*, or 503. */
export function refusalFor(v: Verdict): Refusal | undefined {
  if (v.outcome === 'reject') {
    const retry = String(Math.max(1, Math.ceil(v.retryAfterMs / 1000)));
    return {
      status: 429,
      code: 'rate_limited',
      message: `rate limited by policy ${v.policy}`,
      headers: ['retry-after', retry, 'ratelimit-limit', String(v.limit), 'ratelimit-remaining', '0', 'ratelimit-reset', retry],
    };
  }
  if (v.outcome === 'unavailable') {
    return { status: 503, code: 'rate_limiter_unavailable', message: `rate limiter unavailable for policy ${v.policy}`, headers: ['retry-after', '1'] };
  }
  return undefined;
}
