import type { GatewayErrorCode } from './gateway-errors';

/**
 * Who failed: the breaker of a service and the outlier detector of an instance count only failures of the
 * upstream itself. A client's bad, slow or abandoned request and a service's deliberate "my dependency is
 * down" answer are not the upstream's failure (a breaker that counted them would turn one client or one
 * dependency into an outage of every route of the service: the cascade, 雪崩, breakers exist to stop).
 */

/** An error the client caused (body too large or too slow, went away): answered, never held against the upstream. */
export class ClientSideError extends Error {
  /** The rest of the request cannot be read (a stalled upload): answer, then close the connection. */
  readonly closeConnection: boolean;

  constructor(
    message: string,
    readonly status: number,
    readonly code: GatewayErrorCode,
    options: { closeConnection?: boolean } = {},
  ) {
    super(message);
    this.closeConnection = options.closeConnection ?? false;
  }
}

/** A 5xx the upstream produced: already forwarded to the client, reported to the breaker as a failure. */
export class UpstreamStatusError extends Error {
  constructor(readonly status: number) {
    super(`upstream answered ${status}`);
  }
}

/**
 * A 503 with Retry-After: the service says, on purpose and fast, that one of ITS dependencies is down. Passed
 * through to the client; for the breaker neither a failure nor a call whose latency counts.
 */
export class DependencyUnavailableAnswer extends Error {
  constructor() {
    super('upstream answered 503 with Retry-After (its own dependency is down)');
  }
}

/** What an upstream's answer means for its breaker. */
export type AnswerMeaning = 'success' | 'failure' | 'dependency-unavailable';

/**
 * 4xx: the request's fault, never a failure. 5xx: the upstream's failure, except a 503 with Retry-After (its
 * dependency is down, it is itself healthy) and 501 (a method it does not implement: a fact about the
 * request, not about the upstream's health).
 */
export function judgeAnswer(status: number, hasRetryAfter: boolean): AnswerMeaning {
  if (status < 500 || status === 501) return 'success';
  if (status === 503 && hasRetryAfter) return 'dependency-unavailable';
  return 'failure';
}

/** Errors for which the breaker must not blame the upstream (opossum's errorFilter). */
export function isNotUpstreamsFault(error: unknown): boolean {
  return error instanceof ClientSideError || error instanceof DependencyUnavailableAnswer;
}

/** No connection was made: nothing of the request was sent, so another instance may get it, whatever the method. */
export const CONNECT_ERRORS: ReadonlySet<string> = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);
/** The connection broke before a response: safe to resend only an idempotent request. */
export const RESET_ERRORS: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
export const TIMEOUT_ERRORS: ReadonlySet<string> = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

/**
 * A gateway failure of one instance (Envoy's term): it could not be reached, reset the connection or did not
 * answer in time. These, and only these, count towards ejecting the instance (see OutlierDetector).
 */
export function isGatewayFailure(error: unknown): boolean {
  if (error instanceof ClientSideError) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (CONNECT_ERRORS.has(code) || RESET_ERRORS.has(code) || TIMEOUT_ERRORS.has(code));
}
