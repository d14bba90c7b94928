import type { IncomingMessage } from 'node:http';
import type { RequestIdentity } from '@shop/rate-limit';
import type { GatewayErrorCode } from './gateway-errors';
import { MAX_BODY_BYTES } from './request-body';
import { contentLengthProblem, customerIdProblem, TrustedProxies } from './request-guard';

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the ones the gateway sets itself. */
const REQUEST_DROP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'proxy-authorization', 'expect', 'host', 'x-request-id', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host',
]);
/** Safe to send twice (RFC 9110 §9.2.2); POST joins them when it carries an Idempotency-Key (the order service dedups). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** Why a request's headers are refused (400, or 413 for a declared body over the bound). */
export interface HeadProblem {
  status: 400 | 413;
  code: GatewayErrorCode;
  message: string;
}

/**
 * What the proxy learns from a request's headers in one pass over them: who sent it (for the rate limits), what
 * goes upstream (hop-by-hop headers dropped, the forwarding headers added), the body to expect, and whether
 * the request may be sent twice.
 */
export class RequestHead {
  readonly identity: RequestIdentity = { ip: '', customer: undefined };
  forwardHeaders: string[] = [];
  /** The body's Content-Length (-1: none). */
  declaredBodyBytes = -1;
  chunked = false;
  idempotent = false;

  /** Reads `req`'s headers into this head; a problem means the request must be refused. */
  read(req: IncomingMessage, requestId: string, trusted: TrustedProxies): HeadProblem | undefined {
    const raw = req.rawHeaders;
    const out = this.forwardHeaders;
    let forwardedFor: string | undefined;
    let host: string | undefined;
    let connectionTokens: string | undefined;
    let idempotencyKey = false;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      const value = raw[i + 1]!;
      if (REQUEST_DROP.has(name)) {
        if (name === 'x-forwarded-for') forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
        else if (name === 'host') host = value;
        else if (name === 'transfer-encoding') this.chunked = true;
        else if (name === 'connection') connectionTokens = value;
        continue;
      }
      if (name === 'content-length') {
        const problem = contentLengthProblem(value);
        if (problem) return { status: 400, code: 'bad_request', message: problem };
        this.declaredBodyBytes = Number(value);
        if (this.declaredBodyBytes > MAX_BODY_BYTES) return { status: 413, code: 'payload_too_large', message: `body over ${MAX_BODY_BYTES} bytes` };
      } else if (name === 'x-customer-id') {
        const problem = customerIdProblem(value);
        if (problem) return { status: 400, code: 'bad_request', message: problem };
        this.identity.customer = value;
      } else if (name === 'idempotency-key') {
        idempotencyKey = true;
      }
      out.push(raw[i]!, value);
    }
    if (host === undefined && req.httpVersionMinor >= 1) return { status: 400, code: 'bad_request', message: 'HTTP/1.1 request without a Host header' };
    if (connectionTokens !== undefined) this.dropConnectionTokens(connectionTokens);
    const peer = req.socket.remoteAddress ?? '';
    const ip = trusted.clientIp(peer, forwardedFor);
    if (ip === undefined) return { status: 400, code: 'bad_request', message: 'malformed X-Forwarded-For from a trusted proxy' };
    this.identity.ip = ip;
    this.forwardHeaders.push('x-request-id', requestId, 'x-forwarded-for', forwardedFor === undefined ? peer : `${forwardedFor}, ${peer}`, 'x-forwarded-proto', 'http');
    if (host !== undefined) this.forwardHeaders.push('x-forwarded-host', host);
    const method = req.method!;
    this.idempotent = IDEMPOTENT.has(method) || (method === 'POST' && idempotencyKey);
    return undefined;
  }

  /** Headers the client named in Connection are hop-by-hop too (RFC 9110 §7.6.1). */
  private dropConnectionTokens(value: string): void {
    const named = new Set(value.split(',').map((t) => t.trim().toLowerCase()));
    named.delete('keep-alive');
    named.delete('close');
    if (named.size === 0) return;
    const kept: string[] = [];
    for (let i = 0; i < this.forwardHeaders.length; i += 2) {
      if (!named.has(this.forwardHeaders[i]!.toLowerCase())) kept.push(this.forwardHeaders[i]!, this.forwardHeaders[i + 1]!);
    }
    this.forwardHeaders = kept;
  }
}

/** Case-insensitive lookup in Node's raw header list [name, value, name, value, ...]. */
export function rawHeader(raw: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) return raw[i + 1];
  }
  return undefined;
}
