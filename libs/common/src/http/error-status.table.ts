import { ApplicationError, Conflict, Forbidden, Invalid, Mismatch, NotFound, Throttled, Unauthenticated, Unavailable } from '../errors/application-error';

/**
 * The one table from the application's errors to HTTP: each kind's status. The code and message are the error's
 * own; `retryAfterSec` becomes Retry-After. ErrorShapeFilter renders the answer as `{"error":{"code","message"}}`.
 */
const STATUS_OF_KIND: ReadonlyArray<readonly [abstract new (...args: never[]) => ApplicationError, number]> = [
  [Invalid, 400],
  [Unauthenticated, 401],
  [Forbidden, 403],
  [NotFound, 404],
  [Conflict, 409],
  [Mismatch, 422],
  [Throttled, 429],
  [Unavailable, 503],
];

export interface HttpAnswer {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
}

/** The HTTP answer to an application error; undefined for a kind the table does not know (answered 500). */
export function httpAnswerOf(error: ApplicationError): HttpAnswer | undefined {
  const entry = STATUS_OF_KIND.find(([kind]) => error instanceof kind);
  if (!entry) return undefined;
  const headers: Record<string, string> = error.retryAfterSec === undefined ? {} : { 'Retry-After': String(error.retryAfterSec) };
  return { status: entry[1], code: error.code, message: error.message, headers };
}
