/**
 * @shop/http-retry: how the shop's own clients (the browser UI, the load and chaos tools) retry a request, so
 * that a crash, a restart or a short outage behind the gateway shows as latency rather than as an error
 * (BASE's "basically available"): which answers are retried, `Retry-After` honoured, capped exponential
 * backoff with jitter, the same `Idempotency-Key` on every attempt (幂等性 makes the retry safe), and a bounded
 * number of attempts and total time. Dependency-free and without Node APIs, so the browser bundle uses it too.
 *
 * Entry points: `fetchWithRetry(url, init, options)`, `withRetry(request, send, options)` for any HTTP client,
 * `decideRetry` (the pure rule), `DEFAULT_RETRY_POLICY`.
 */
export { backoffMs, decideRetry, DEFAULT_RETRY_POLICY, isSafeToRepeat, parseRetryAfterMs } from './retry-policy';
export type { AttemptResult, RetryDecision, RetryInput, RetryPolicy } from './retry-policy';
export { fetchWithRetry, NoAnswerError, withRetry } from './with-retry';
export type { FetchWithRetryInit, RetriableResponse, RetriedRequest, RetryEvent, RetryOptions, RetryOutcome } from './with-retry';
