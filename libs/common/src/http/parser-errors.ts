import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './api-error';
import { drainRequestThen } from './drain-request';

/**
 * Errors raised below the app, by Node's HTTP parser and Fastify's router, answered in the contract's shape
 * `{"error":{"code","message"}}` like every other error: without this they leave in Fastify's own shape, or
 * (CONNECT) as a bare reset. Every app gets them through bootstrapApp; a server built another way uses:
 * - `contractShapedParserErrors()`: Fastify options `clientErrorHandler` (malformed request line or framing 400,
 *   headers over the limit 431, a request not received in time 408) and `frameworkErrors` (a URL that does not
 *   decode 400, a path parameter over the limit 414);
 * - `refuseConnectRequests(server)`: `CONNECT` is answered 405 (Node drops the socket when nothing listens);
 * - `lacksRequiredHost(req)`: an HTTP/1.1 request without Host, to be answered 400.
 */

/** Node's HTTP server timeouts (server options): a slow client is answered 408 and closed. */
export const REQUEST_TIMEOUT_MS = 30_000;
export const HEADERS_TIMEOUT_MS = 10_000;

/** The Fastify options that answer parser-level and router-level errors in the contract's shape. */
export function contractShapedParserErrors(): {
  clientErrorHandler: (error: Error & { code?: string }, socket: Duplex) => void;
  frameworkErrors: (error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply) => void;
} {
  return { clientErrorHandler: answerClientError, frameworkErrors: answerFrameworkError };
}

/** The answer to a client error Node's parser raised. */
export function clientErrorAnswer(error: { code?: string }): { status: number; reason: string; code: string; message: string } {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, reason: 'Request Timeout', code: 'request_timeout', message: 'request not received in time' };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, reason: 'Request Header Fields Too Large', code: 'headers_too_large', message: 'request line and headers over 16 KiB' };
    case 'HPE_INVALID_METHOD':
      return { status: 400, reason: 'Bad Request', code: 'bad_request', message: 'unknown HTTP method' };
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return { status: 400, reason: 'Bad Request', code: 'bad_request', message: 'Content-Length together with Transfer-Encoding' };
    default:
      return { status: 400, reason: 'Bad Request', code: 'bad_request', message: `malformed HTTP request (${error.code ?? 'parse error'})` };
  }
}

function writeRaw(socket: Duplex, status: number, reason: string, code: string, message: string, extra = ''): void {
  const body = JSON.stringify(errorBody(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
  );
}

const answered = new WeakSet<Duplex>();

/** Node's 'clientError': the request could not be parsed (or came too slowly), so no request object exists. */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // A reset connection has nobody to answer (as Fastify's own handler); one answer per connection.
  if (error.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
  answered.add(socket);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const a = clientErrorAnswer(error);
  writeRaw(socket, a.status, a.reason, a.code, a.message);
  // Keep reading (and dropping) what the client still sends for a moment: closing on unread data would reset
  // the connection, and the client could lose the answer. Bounded in time.
  socket.resume();
  setTimeout(() => socket.destroy(), 2000).unref();
}

/** Fastify's `frameworkErrors`: a URL its router cannot decode, a path parameter over maxParamLength. */
function answerFrameworkError(error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  // No route, so no onSend hook drains the body: read and drop it first, or closing on unread data resets the
  // connection and the client loses this answer (found by the fuzz test: a 1 MiB body to an undecodable URL).
  drainRequestThen(request.raw, () => {
    void reply
      .status(tooLong ? 414 : 400)
      .type('application/json; charset=utf-8')
      .send(errorBody(tooLong ? 'uri_too_long' : 'bad_request', tooLong ? 'a path segment is too long' : 'malformed URL'));
  });
}

/** CONNECT (tunnelling) is not served: 405 instead of Node's default, which drops the socket without a word. */
export function refuseConnectRequests(server: Pick<Server, 'on'>): void {
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    writeRaw(socket, 405, 'Method Not Allowed', 'method_not_allowed', 'CONNECT is not supported', 'Allow: GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE\r\n');
  });
}

/**
 * RFC 9112 §3.2: an HTTP/1.1 request without Host is answered 400. Node does it itself (requireHostHeader) with
 * an empty body; servers run with that off and answer through this (Fastify routes) or their own check (the
 * gateway's proxy), in the contract's shape.
 */
export function lacksRequiredHost(req: IncomingMessage): boolean {
  return req.httpVersionMajor === 1 && req.httpVersionMinor >= 1 && req.headers.host === undefined;
}
