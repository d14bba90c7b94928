/**
 * An error with an HTTP status and a stable machine-readable code, rendered as the contract's JSON error
 * shape `{"error":{"code","message"}}` by ErrorShapeFilter. For code that speaks HTTP itself (the gateway, guards,
 * the registry's API); application and domain code throw an ApplicationError instead, whose status comes from
 * the one table at the edge (error-status.table.ts).
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

const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'rate_limited',
  431: 'headers_too_large',
  500: 'internal',
  503: 'unavailable',
  504: 'timeout',
};

/** The error code of a status that carries no more specific one (a framework's or the parser's error). */
export function codeForStatus(status: number): string {
  return CODE_BY_STATUS[status] ?? `http_${status}`;
}
