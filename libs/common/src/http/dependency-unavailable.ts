/** Node's errors for a connection that could not be made or was lost. */
const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
/** Postgres SQLSTATEs that mean "the server cannot serve you now", not "your statement is wrong". */
const UNAVAILABLE_SQLSTATES = /^(08...|57P0[123]|53300)$/;
/** What pg and pg-pool say when the server went away or the pool could not get a connection in time. */
const UNAVAILABLE_MESSAGES = /timeout exceeded when trying to connect|Connection terminated|connection error and is not queryable/i;
const MAX_DEPTH = 4;

/**
 * Whether `error` says that one of the service's OWN dependencies (its database, usually) cannot be reached,
 * rather than that the request or the code is wrong. Such a request earns a 503 with Retry-After: the same
 * request may well succeed in a moment. Looks through TypeORM's `driverError` and `cause`.
 */
export function isDependencyUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > MAX_DEPTH) return false;
  const e = error as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && (CONNECTION_ERROR_CODES.has(e.code) || UNAVAILABLE_SQLSTATES.test(e.code))) return true;
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message)) return true;
  return isDependencyUnavailable(e.driverError, depth + 1) || isDependencyUnavailable(e.cause, depth + 1);
}
