/**
 * An error with an HTTP status and a stable machine-readable code, rendered as the contract's JSON error
 * shape `{"error":{"code","message"}}` by ErrorShapeFilter. Domain layers throw their own errors; the app maps
 * them to ApiError at the edge (or extends ApiError when the mapping is one-to-one).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers, e.g. Retry-After on 503. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}
