import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { codeForStatus, errorBody } from './api-error';

/**
 * Errors raised below the app (Node's HTTP parser, Fastify's router) answered in the contract's shape
 * `{"error":{"code","message"}}` instead of Fastify's `{"statusCode":..}` or a bare reset. Every app gets them
 * through bootstrapApp; a server built another way uses the same three pieces:
 * - `contractShapedParserErrors()`: Fastify options `clientErrorHandler` (malformed request line or framing 400,
 *   headers over the limit 431, a request not received in time 408) and `frameworkErrors` (a URL that does not
 *   decode 400, a path parameter over the limit 414);
 * - `refuseConnectRequests(server)`: `CONNECT` is answered 405 (Node resets the socket when nothing listens).
 */
export function contractShapedParserErrors(): {
  clientErrorHandler: (error: Error & { code?: string }, socket: Duplex) => void;
  frameworkErrors: (error: Error & { statusCode?: number }, request: FastifyRequest, reply: FastifyReply) => void;
} {
  return { clientErrorHandler: answerClientError, frameworkErrors: answerFrameworkError };
}

/** Node's 'clientError': the request could not be parsed, so no request object exists; the answer is raw bytes. */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // A reset connection has no one to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'the request was not received in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'the request line and headers are over the size limit']
        : [400, 'the request is not valid HTTP/1.1'];
  if (socket.writable) socket.write(rawResponse(status, codeForStatus(status), message));
  socket.destroy();
}

function answerFrameworkError(error: Error & { statusCode?: number }, _request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode ?? 400;
  const message = status === 414 ? 'a path segment is over the length limit' : 'the URL does not decode';
  void reply.code(status).type('application/json').send(errorBody(codeForStatus(status), message));
}

/** `CONNECT` (a proxy tunnel) is no method of ours: 405 in the contract's shape, then the socket is closed. */
export function refuseConnectRequests(server: Pick<Server, 'on'>): void {
  server.on('connect', (_request: unknown, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    socket.end(rawResponse(405, 'method_not_allowed', 'CONNECT is not served here', { Allow: 'GET, POST, PUT, DELETE' }));
  });
}

function rawResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): string {
  const body = JSON.stringify(errorBody(code, message));
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`
  );
}
