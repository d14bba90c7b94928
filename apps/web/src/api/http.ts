import { DEFAULT_RETRY_POLICY, fetchWithRetry, NoAnswerError } from '@shop/http-retry';

/** What the UI knows about a failed call: enough to tell a person what happened and what to do. */
export class HttpError extends Error {
  constructor(
    /** HTTP status; 0 when no answer came (network down, timeout). */
    readonly status: number,
    /** The contract's `error.code`, or a local one (`network`, `timeout`). */
    readonly code: string,
    message: string,
    /** Seconds from `Retry-After`, when the server sent one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface HttpAnswer<T> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Every call has a deadline: a hung upstream must not freeze the page. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Calls the gateway (same origin). Resolves for 2xx; rejects with an HttpError for anything else. */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<HttpAnswer<T>> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: controller.signal,
      cache: 'no-store',
    });
  } catch (error: unknown) {
    if (controller.signal.aborted) throw new HttpError(0, 'timeout', `No answer from ${path} within ${(options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000} s`);
    throw new HttpError(0, 'network', `Cannot reach the shop (${error instanceof Error ? error.message : String(error)})`);
  } finally {
    clearTimeout(timer);
  }
  return readAnswer<T>(response);
}

/**
 * Sends a request through the shop's client retry policy (@shop/http-retry: 429 and 503 with Retry-After, and
 * for a request with an Idempotency-Key also 502/504/no answer and 409 while the first attempt is in flight),
 * the same key on every attempt. Resolves for 2xx; rejects with an HttpError for what is left after it.
 */
export async function requestWithRetry<T>(method: string, path: string, options: RequestOptions & { idempotencyKey?: string; budgetMs?: number }): Promise<HttpAnswer<T>> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    ({ response } = await fetchWithRetry(
      path,
      { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), cache: 'no-store', idempotencyKey: options.idempotencyKey },
      { policy: { attemptTimeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, budgetMs: options.budgetMs ?? DEFAULT_RETRY_POLICY.budgetMs } },
    ));
  } catch (error: unknown) {
    if (error instanceof NoAnswerError && error.reason === 'timeout') throw new HttpError(0, 'timeout', `No answer from ${path} (${error.attempts} attempts)`);
    throw new HttpError(0, 'network', `Cannot reach the shop (${error instanceof Error ? error.message : String(error)})`);
  }
  return readAnswer<T>(response);
}

async function readAnswer<T>(response: Response): Promise<HttpAnswer<T>> {
  const text = await response.text();
  const body = parseJson(text);
  if (!response.ok) throw errorFrom(response.status, response.headers, body, text);
  return { status: response.status, body: body as T, headers: response.headers };
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Maps a non-2xx answer to an HttpError, reading the contract's `{"error":{"code","message"}}` when present. */
export function errorFrom(status: number, headers: Headers, body: unknown, text = ''): HttpError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : `http_${status}`;
  const message = typeof error?.message === 'string' ? error.message : text.slice(0, 200) || `HTTP ${status}`;
  return new HttpError(status, code, message, parseRetryAfter(headers.get('Retry-After')));
}

/** `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** One sentence a person understands, naming what happened, the server's own message and what to do next. */
export function describeError(error: unknown): string {
  if (!(error instanceof HttpError)) return error instanceof Error ? error.message : String(error);
  const retry = error.retryAfterSeconds === undefined ? '' : ` Try again in ${error.retryAfterSeconds} s.`;
  switch (error.status) {
    case 0:
      return `${error.message}.`;
    case 429:
      return `Too many requests: the gateway's rate limit turned this one away (${error.message}).${retry}`;
    case 503:
      return `Service unavailable: ${error.message}.${retry}`;
    case 504:
      return `The service did not answer in time: ${error.message}.${retry}`;
    default:
      return `${error.message} (HTTP ${error.status}, ${error.code}).${retry}`;
  }
}
