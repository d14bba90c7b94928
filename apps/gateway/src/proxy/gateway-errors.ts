import type { ServerResponse } from 'node:http';

/** The gateway's own answers, in the contract's shape {"error":{"code","message"}}. */
export type GatewayErrorCode =
  | 'bad_request'
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

export function sendError(
  res: ServerResponse,
  status: number,
  code: GatewayErrorCode,
  message: string,
  requestId: string,
  extra?: readonly string[],
  closeConnection = false,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
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
