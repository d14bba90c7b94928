import { AttemptResult, decideRetry, DEFAULT_RETRY_POLICY, RetryPolicy } from './retry-policy';

/** The parts of a response the policy reads: fetch's Response fits, and so does any small wrapper. */
export interface RetriableResponse {
  status: number;
  headers: { get(name: string): string | null };
}

export interface RetriedRequest {
  method: string;
  /** Sent unchanged on every attempt by the caller's `send`; its presence makes a POST safe to repeat. */
  idempotencyKey?: string;
  /** Repeating it is harmless although the method says otherwise (e.g. POST /api/orders/tokens). */
  repeatable?: boolean;
}

export interface RetryEvent {
  attempt: number;
  delayMs: number;
  why: string;
}

export interface RetryOptions {
  policy?: Partial<RetryPolicy>;
  /** Cancels the whole exchange (waits included). */
  signal?: AbortSignal;
  onRetry?: (event: RetryEvent) => void;
  /** Injected in tests; real timers, clock and randomness otherwise. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

export interface RetryOutcome<T> {
  /** The last answer: a success, a final error, or the retryable error that the budget did not outlast. */
  response: T;
  attempts: number;
  retries: RetryEvent[];
}

/** No attempt got an answer (connection errors or timeouts) and the policy gave up. */
export class NoAnswerError extends Error {
  constructor(
    readonly attempts: number,
    readonly reason: 'timeout' | 'connection',
    readonly lastError: unknown,
    why: string,
  ) {
    super(`no answer after ${attempts} attempt(s): ${why} (${lastError instanceof Error ? lastError.message : String(lastError)})`);
    this.name = 'NoAnswerError';
  }
}

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Sends a request until it gets an answer the policy calls final, or the policy gives up (retry-policy.ts says
 * what is retried). `send` makes one attempt and must honour the signal it is given (the attempt's deadline);
 * `discard` releases a response that is about to be retried (e.g. cancels its body).
 */
export async function withRetry<T extends RetriableResponse>(
  request: RetriedRequest,
  send: (signal: AbortSignal, attempt: number) => Promise<T>,
  options: RetryOptions = {},
  discard: (response: T) => Promise<void> | void = () => undefined,
): Promise<RetryOutcome<T>> {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  const startedAt = now();
  const retries: RetryEvent[] = [];
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    const remainingMs = Math.max(1, policy.budgetMs - (now() - startedAt));
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error(`attempt ${attempt} timed out`)), Math.min(policy.attemptTimeoutMs, remainingMs));
    const onOuterAbort = (): void => deadline.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onOuterAbort, { once: true });
    let response: T | undefined;
    let failure: unknown;
    try {
      response = await send(deadline.signal, attempt);
    } catch (error) {
      failure = error;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onOuterAbort);
    }
    options.signal?.throwIfAborted();
    const result: AttemptResult =
      response !== undefined
        ? { kind: 'answer', status: response.status, retryAfter: response.headers.get('retry-after') }
        : { kind: 'no-answer', reason: deadline.signal.aborted ? 'timeout' : 'connection' };
    const decision = decideRetry({
      method: request.method,
      hasIdempotencyKey: request.idempotencyKey !== undefined,
      repeatable: request.repeatable,
      result,
      attempts: attempt,
      elapsedMs: now() - startedAt,
      policy,
      random: random(),
      nowMs: now(),
    });
    if (!decision.retry) {
      if (response !== undefined) return { response, attempts: attempt, retries };
      throw new NoAnswerError(attempt, result.kind === 'no-answer' ? result.reason : 'connection', failure, decision.why);
    }
    if (response !== undefined) await discard(response);
    const event = { attempt, delayMs: decision.delayMs, why: decision.why };
    retries.push(event);
    options.onRetry?.(event);
    await sleep(decision.delayMs, options.signal);
  }
}

export interface FetchWithRetryInit extends Omit<RequestInit, 'signal'> {
  /** Sent as the `Idempotency-Key` header, the same on every attempt. */
  idempotencyKey?: string;
  repeatable?: boolean;
}

/**
 * `fetch` with the retry policy: the same method, body and `Idempotency-Key` on every attempt; the body of a
 * response that is retried is cancelled. The body must be repeatable (a string, not a stream).
 */
export async function fetchWithRetry(
  url: string,
  init: FetchWithRetryInit = {},
  options: RetryOptions & { fetch?: typeof fetch } = {},
): Promise<RetryOutcome<Response>> {
  const { idempotencyKey, repeatable, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (idempotencyKey !== undefined) headers.set('Idempotency-Key', idempotencyKey);
  const doFetch = options.fetch ?? fetch;
  const method = (rest.method ?? 'GET').toUpperCase();
  return withRetry(
    { method, idempotencyKey, repeatable },
    (signal) => doFetch(url, { ...rest, method, headers, signal }),
    options,
    async (response) => {
      await response.body?.cancel().catch(() => undefined);
    },
  );
}
