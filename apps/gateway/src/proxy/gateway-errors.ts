import type { ServerResponse } from 'node:http';
import { drainRequestThen } from '@shop/common';

/** The gateway's own answers, in the contract's shape {"error":{"code","message"}}. */
export type GatewayErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'method_not_allowed'
  | 'request_timeout'
  | 'uri_too_long'
  | 'headers_too_large'
  | 'too_many_concurrent_requests'
  | 'not_found'
  | 'payload_too_large'
  | 'rate_limited'
  | 'rate_limiter_unavailable'
  | 'circuit_open'
  | 'no_instance'
  | 'overloaded'
  | 'bad_gateway'
  | 'gateway_timeout';

export interface ErrorAnswerOptions {
  /** More response headers, as [name, value, name, value, ...] (Retry-After, Allow, RateLimit-*). */
  headers?: readonly string[];
  /** The rest of the request will not be read: answer, then close the connection. */
  closeConnection?: boolean;
}

const NO_OPTIONS: ErrorAnswerOptions = {};

export function sendError(
  res: ServerResponse,
  status: number,
  code: GatewayErrorCode,
  message: string,
  requestId: string,
  options: ErrorAnswerOptions = NO_OPTIONS,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // A refusal before the body was read (bad path, method, headers) answers once the body is read and dropped; a
  // client too slow to send it (408) is answered at once.
  if (status !== 408 && !res.req.complete) {
    drainRequestThen(res.req, () => writeError(res, status, code, message, requestId, options));
    return;
  }
  writeError(res, status, code, message, requestId, options);
}

function writeError(
  res: ServerResponse,
  status: number,
  code: GatewayErrorCode,
  message: string,
  requestId: string,
  { headers: extra, closeConnection = false }: ErrorAnswerOptions,
): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify({ error: { code, message } });
  const headers = ['content-type', 'application/json; charset=utf-8', 'content-length', String(Buffer.byteLength(body)), 'x-request-id', requestId];
  if (extra) headers.push(...extra);
  if (closeConnection) {
    // The client may still be sending a body we refuse to read: close rather than parse it as a next request.
    headers.push('connection', 'close');
    res.shouldKeepAlive = false;
  }
  res.writeHead(status, headers);
  res.end(body);
}
