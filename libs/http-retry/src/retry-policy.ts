/**
 * The decision of a retrying client, as pure logic: given what the last attempt got back, retry or not, and after
 * how long. No timers, no clock, no randomness of its own (they are passed in), so every rule has a unit test.
 *
 * What is retried, and why it is safe:
 * - 429 (rate limited) and 503 with `Retry-After`: the server says the request was turned away before any work,
 *   and when to come back; any method.
 * - 409 `Retry-After` on a request that carries an `Idempotency-Key`: the first attempt with this key is still
 *   being processed (e.g. a timed-out attempt the server kept working on); the next attempt gets its answer.
 * - 502, 504, 503 without `Retry-After`, and no answer at all (connection refused or reset, attempt timeout):
 *   the work may or may not have happened, so only for requests that are safe to repeat: idempotent methods
 *   (GET, HEAD, OPTIONS, PUT, DELETE) or a request that carries an `Idempotency-Key` (the same key on every
 *   attempt, so the server makes at most one order of it).
 * Anything else (2xx, other 4xx, 500, 501, ...) is final: repeating it would not change the answer.
 *
 * Waits: capped exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"),
 * never shorter than the server's `Retry-After`; the whole exchange is bounded by a number of attempts and a
 * total time budget, and a wait that would cross the budget ends the exchange instead.
 */

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** Backoff before the 2nd attempt is drawn from [0, baseDelayMs]; it doubles per attempt up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** The whole exchange (attempts and waits) ends within this time. */
  budgetMs: number;
  /** One attempt's deadline (shortened to what is left of the budget). */
  attemptTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 8,
  baseDelayMs: 200,
  maxDelayMs: 3000,
  budgetMs: 20_000,
  attemptTimeoutMs: 10_000,
});

/** What one attempt got back. */
export type AttemptResult =
  | { kind: 'answer'; status: number; retryAfter: string | null }
  | { kind: 'no-answer'; reason: 'timeout' | 'connection' };

export interface RetryInput {
  method: string;
  hasIdempotencyKey: boolean;
  /** The caller knows that repeating this request is harmless (e.g. issuing an idempotency token). */
  repeatable?: boolean;
  result: AttemptResult;
  /** Attempts made so far (1 after the first). */
  attempts: number;
  /** Time since the first attempt started. */
  elapsedMs: number;
  policy: RetryPolicy;
  /** A number in [0, 1): Math.random in production, fixed in tests. */
  random: number;
  /** For `Retry-After` given as an HTTP date. */
  nowMs: number;
}

export type RetryDecision = { retry: true; delayMs: number; why: string } | { retry: false; why: string };

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** Whether repeating the request cannot do the work twice (RFC 9110 §9.2.2, or an Idempotency-Key). */
export function isSafeToRepeat(method: string, hasIdempotencyKey: boolean): boolean {
  return hasIdempotencyKey || IDEMPOTENT_METHODS.has(method.toUpperCase());
}

/** `Retry-After` in milliseconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Why a result may be retried, or undefined when it is final. */
function retryableBecause(input: RetryInput): string | undefined {
  const { result } = input;
  const safe = input.repeatable === true || isSafeToRepeat(input.method, input.hasIdempotencyKey);
  if (result.kind === 'no-answer') return safe ? `no answer (${result.reason})` : undefined;
  const hasRetryAfter = parseRetryAfterMs(result.retryAfter, input.nowMs) !== undefined;
  switch (result.status) {
    case 429:
      return 'rate limited (429)';
    case 503:
      if (hasRetryAfter) return '503 with Retry-After';
      return safe ? '503' : undefined;
    case 409:
      return input.hasIdempotencyKey && hasRetryAfter ? 'the first attempt with this key is still in flight (409)' : undefined;
    case 502:
    case 504:
      return safe ? String(result.status) : undefined;
    default:
      return undefined;
  }
}

/** Capped exponential backoff with full jitter for the wait after `attempts` attempts. */
export function backoffMs(attempts: number, policy: RetryPolicy, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.floor(random * ceiling);
}

export function decideRetry(input: RetryInput): RetryDecision {
  const because = retryableBecause(input);
  if (because === undefined) return { retry: false, why: 'final answer' };
  if (input.attempts >= input.policy.maxAttempts) return { retry: false, why: `${because}; gave up after ${input.attempts} attempts` };
  const jittered = backoffMs(input.attempts, input.policy, input.random);
  const retryAfterMs = input.result.kind === 'answer' ? parseRetryAfterMs(input.result.retryAfter, input.nowMs) : undefined;
  // Never sooner than the server asked; the jitter on top spreads the clients it turned away at the same moment.
  const delayMs = retryAfterMs === undefined ? jittered : retryAfterMs + Math.floor(input.random * input.policy.baseDelayMs);
  if (input.elapsedMs + delayMs >= input.policy.budgetMs) return { retry: false, why: `${because}; the wait would exceed the ${input.policy.budgetMs} ms budget` };
  return { retry: true, delayMs, why: because };
}
