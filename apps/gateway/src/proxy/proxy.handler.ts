import { acceptOrCreateRequestId } from '@shop/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { RateLimitEngine, RequestIdentity, Verdict } from '@shop/rate-limit';
import type { UpstreamBreakers } from '../breakers/upstream-breakers';
import { Balancer, createBalancer } from '../routing/balancer';
import type { Route, RouteTable } from '../routing/routes.config';
import type { UpstreamInstance, Upstreams } from '../routing/upstreams';
import type { ClientConcurrency } from './client-concurrency';
import { GatewayErrorCode, sendError } from './gateway-errors';
import { contentLengthProblem, customerIdProblem, pathProblem, TrustedProxies } from './request-guard';
import { ProxyStats } from './proxy.stats';
import { refusalFor } from './rate-limit-answer';
import { ByteBudget, DISCARD_BODY_BYTES, discardRest, readRequestBody } from './request-body';
import {
  ClientSideError,
  CONNECT_ERRORS,
  DependencyUnavailableAnswer,
  isGatewayFailure,
  judgeAnswer,
  RESET_ERRORS,
  TIMEOUT_ERRORS,
  UpstreamStatusError,
} from './upstream-failure';

/** The contract's bound on request bodies. */
export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * Every request body is read whole before anything goes upstream (see readRequestBody); all of them together
 * may hold at most this much of the gateway's memory (64 bodies of the largest size).
 */
export const BODY_BUFFER_BYTES = 64 * 1024 * 1024;

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the ones the gateway sets itself. */
const REQUEST_DROP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'proxy-authorization', 'expect', 'host', 'x-request-id', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host',
]);
const RESPONSE_DROP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authenticate',
  'x-request-id', 'date',
]);
/** Safe to send twice (RFC 9110 §9.2.2); POST joins them when it carries an Idempotency-Key (the order service dedups). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
/** The methods the API uses; anything else (TRACE, PROPFIND, ...) is answered 405 here, never forwarded. */
const ALLOWED_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE']);
const ALLOW_HEADER = ['allow', [...ALLOWED_METHODS].join(', ')];

export interface ProxyDeps {
  routes: () => RouteTable;
  upstreams: Upstreams;
  limits: RateLimitEngine;
  breakers: UpstreamBreakers;
  trusted: TrustedProxies;
  stats: ProxyStats;
  perClient: ClientConcurrency;
  /** A request body must arrive whole within this long (408 otherwise). */
  bodyTimeoutMs: number;
}

/**
 * The proxy's hot path, on the raw Node request (no Nest, no Fastify per request): validate, route by the
 * first path segment (one Map lookup), rate limit (in memory from leased permits, else one Redis call for all
 * the policies that apply), then, through the service's circuit breaker, forward to the instance the route's
 * balancer picks, with bodies streamed both ways through undici's dispatcher.
 */
export class ProxyHandler {
  private readonly balancers = new WeakMap<Route, Balancer<UpstreamInstance>>();

  /** Memory for request bodies, shared by all exchanges. */
  readonly bodies = new ByteBudget(BODY_BUFFER_BYTES);

  constructor(private readonly deps: ProxyDeps) {}

  balancerFor(route: Route): Balancer<UpstreamInstance> {
    let b = this.balancers.get(route);
    if (!b) this.balancers.set(route, (b = createBalancer<UpstreamInstance>(route.balancer)));
    return b;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url!;
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const raw = req.rawHeaders;
    const incomingId = header(raw, 'x-request-id');
    const requestId = acceptOrCreateRequestId(incomingId);
    const stats = this.deps.stats;

    const problem = pathProblem(path);
    if (problem !== undefined) return this.refuse(res, 400, 'bad_request', problem, requestId);
    if (!ALLOWED_METHODS.has(req.method!)) {
      return this.refuse(res, 405, 'method_not_allowed', `method ${req.method} is not allowed`, requestId, true, ALLOW_HEADER);
    }
    const slash = path.indexOf('/', 5);
    const route = this.deps.routes().get(slash < 0 ? path.slice(5) : path.slice(5, slash));
    if (route === undefined) return this.refuse(res, 404, 'not_found', `no route for ${path}`, requestId);

    const ex = new ProxyExchange(req, res, requestId, route, this.balancerFor(route), this, url.slice(4));
    const headerProblem = ex.readHeaders(raw, this.deps.trusted);
    if (headerProblem !== undefined) {
      // A body declared too large is read and dropped before the 413, so that the client, still sending, reads
      // the answer instead of a reset (see discardRest). One beyond DISCARD_BODY_BYTES, or a malformed request,
      // closes the connection instead.
      const drain = headerProblem.status === 413 && ex.declaredBodyBytes <= DISCARD_BODY_BYTES;
      const answer = () => this.refuse(res, headerProblem.status, headerProblem.code, headerProblem.message, requestId, !drain);
      return drain ? discardRest(req, this.deps.bodyTimeoutMs, answer) : answer();
    }
    const client = ex.identity.ip;
    if (!this.deps.perClient.tryEnter(client)) {
      return this.refuse(res, 429, 'too_many_concurrent_requests', `more than ${this.deps.perClient.maxPerClient} requests in flight from ${client}`, requestId, false, ['retry-after', '1']);
    }
    stats.requests++;
    // From here on the client may leave at any moment (while Redis decides, while a leaky bucket holds the
    // request, while the upstream answers): whatever is in flight for it must then stop and free its slot.
    res.once('close', () => {
      this.deps.perClient.leave(client);
      ex.onClientClose();
    });

    const verdict = this.deps.limits.check(req.method!, path, ex.identity);
    if (verdict === undefined) return void this.forward(ex);
    if (!(verdict instanceof Promise)) return this.afterLimit(ex, verdict);
    verdict.then(
      (v) => this.afterLimit(ex, v),
      (error: Error) => this.refuse(res, 503, 'rate_limiter_unavailable', error.message, requestId),
    );
  }

  private afterLimit(ex: ProxyExchange, v: Verdict): void {
    if (ex.finished) return;
    const refusal = refusalFor(v);
    if (refusal !== undefined) return this.refuse(ex.res, refusal.status, refusal.code, refusal.message, ex.requestId, false, refusal.headers);
    if (v.limit > 0) {
      ex.extraHeaders = ['ratelimit-limit', String(v.limit), 'ratelimit-remaining', String(v.remaining), 'ratelimit-reset', String(Math.ceil(v.resetMs / 1000))];
    }
    if (v.delayMs > 0) setTimeout(() => void this.forward(ex), v.delayMs);
    else void this.forward(ex);
  }

  private async forward(ex: ProxyExchange): Promise<void> {
    const { route, res } = ex;
    if (ex.finished) return;
    if (this.deps.upstreams.of(route.service).length === 0) {
      return this.refuse(res, 503, 'no_instance', `no live instance of ${route.service}`, ex.requestId, false, ['retry-after', '1']);
    }
    const breaker = this.deps.breakers.get(route.service);
    if (breaker.state() === 'open') return this.circuitOpen(ex, breaker.retryAfterMs());
    try {
      await ex.prepareBody();
    } catch (error) {
      return ex.fail(error);
    }
    breaker.fire(ex).then(undefined, (error: unknown) => {
      if (error instanceof UpstreamStatusError || error instanceof DependencyUnavailableAnswer) return;
      if ((error as { code?: string }).code === 'EOPENBREAKER') return this.circuitOpen(ex, breaker.retryAfterMs());
      ex.fail(error);
    });
  }

  private circuitOpen(ex: ProxyExchange, retryAfterMs: number): void {
    const retry = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
    this.refuse(ex.res, 503, 'circuit_open', `circuit open for ${ex.route.service}`, ex.requestId, false, ['retry-after', retry]);
  }

  refuse(res: ServerResponse, status: number, code: GatewayErrorCode, message: string, requestId: string, close = false, extra?: readonly string[]): void {
    this.deps.stats.count(code);
    sendError(res, status, code, message, requestId, extra, close);
  }

  get upstreams(): Upstreams {
    return this.deps.upstreams;
  }

  get bodyTimeoutMs(): number {
    return this.deps.bodyTimeoutMs;
  }
}

/** Case-insensitive lookup in Node's raw header list [name, value, name, value, ...]. */
function header(raw: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) return raw[i + 1];
  }
  return undefined;
}

/**
 * One request through the proxy: it is also undici's dispatch handler (the raw callbacks, so response
 * chunks go straight from the upstream socket to the client socket with backpressure, no stream objects).
 */
export class ProxyExchange implements Dispatcher.DispatchHandler {
  identity: RequestIdentity = { ip: '', customer: undefined };
  extraHeaders: string[] | undefined;
  private forwardHeaders: string[] = [];
  private body: Buffer | null = null;
  private contentLength = -1;
  /** The body's Content-Length (-1: none). */
  get declaredBodyBytes(): number {
    return this.contentLength;
  }
  private chunked = false;
  private idempotent = false;
  private target: UpstreamInstance | undefined;
  private attempts = 0;
  private inFlight = false;
  private abortUpstream: ((reason: Error) => void) | undefined;
  private resumeUpstream: (() => void) | undefined;
  private settle: ((error?: Error) => void) | undefined;
  /** The client has its answer (or is gone): nothing more may be written, nothing more sent upstream. */
  finished = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly requestId: string,
    readonly route: Route,
    private readonly balancer: Balancer<UpstreamInstance>,
    private readonly proxy: ProxyHandler,
    /** The path the upstream sees: /api stripped. */
    private readonly upstreamPath: string,
  ) {}

  /** One pass over the raw headers: validate ours, drop hop-by-hop ones, add the forwarding headers. */
  readHeaders(raw: readonly string[], trusted: TrustedProxies): { status: number; code: GatewayErrorCode; message: string } | undefined {
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
        this.contentLength = Number(value);
        if (this.contentLength > MAX_BODY_BYTES) return { status: 413, code: 'payload_too_large', message: `body over ${MAX_BODY_BYTES} bytes` };
      } else if (name === 'x-customer-id') {
        const problem = customerIdProblem(value);
        if (problem) return { status: 400, code: 'bad_request', message: problem };
        this.identity.customer = value;
      } else if (name === 'idempotency-key') {
        idempotencyKey = true;
      }
      out.push(raw[i]!, value);
    }
    if (host === undefined && this.req.httpVersionMinor >= 1) return { status: 400, code: 'bad_request', message: 'HTTP/1.1 request without a Host header' };
    if (connectionTokens !== undefined) this.dropConnectionTokens(connectionTokens);
    const peer = this.req.socket.remoteAddress ?? '';
    const ip = trusted.clientIp(peer, forwardedFor);
    if (ip === undefined) return { status: 400, code: 'bad_request', message: 'malformed X-Forwarded-For from a trusted proxy' };
    this.identity.ip = ip;
    this.forwardHeaders.push('x-request-id', this.requestId, 'x-forwarded-for', forwardedFor === undefined ? peer : `${forwardedFor}, ${peer}`, 'x-forwarded-proto', 'http');
    if (host !== undefined) this.forwardHeaders.push('x-forwarded-host', host);
    const method = this.req.method!;
    this.idempotent = IDEMPOTENT.has(method) || (method === 'POST' && idempotencyKey);
    return undefined;
  }

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

  /** The body, read whole before the breaker's call starts (see readRequestBody). */
  async prepareBody(): Promise<void> {
    if (!this.chunked && this.contentLength <= 0) return;
    this.body = await readRequestBody(this.req, this.res, {
      declaredBytes: this.chunked ? -1 : this.contentLength,
      limit: MAX_BODY_BYTES,
      budget: this.proxy.bodies,
      timeoutMs: this.proxy.bodyTimeoutMs,
    });
  }

  /** The breaker's action: resolves at the response headers, rejects on a 5xx, a failure or a timeout. */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.settle = (error) => {
        this.settle = undefined;
        if (error) reject(error);
        else resolve();
      };
      if (this.finished) this.settle(new ClientSideError('client went away', 499, 'bad_request'));
      else this.dispatch(undefined);
    });
  }

  private dispatch(exclude: UpstreamInstance | undefined): void {
    const target = this.balancer.pick(this.proxy.upstreams.of(this.route.service), exclude);
    if (target === undefined) {
      this.settle?.(Object.assign(new Error(`no live instance of ${this.route.service}`), { code: 'NO_INSTANCE' }));
      return;
    }
    this.target = target;
    this.inFlight = true;
    target.outstanding++;
    target.sent++;
    const t = this.route.timeouts;
    target.pool.dispatch(
      {
        path: this.upstreamPath,
        method: this.req.method as Dispatcher.HttpMethod,
        headers: this.forwardHeaders,
        // undici streams async iterables too; its types list only Readable.
        body: this.body as Dispatcher.DispatchOptions['body'],
        headersTimeout: t.headersMs,
        bodyTimeout: t.bodyMs,
      },
      this,
    );
  }

  // ---- undici's dispatch handler ----

  onConnect(abort: (reason?: Error) => void): void {
    this.abortUpstream = abort;
    if (this.finished) abort(new ClientSideError('request already answered', 499, 'bad_request'));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (this.finished) {
      // Answered already (timeout, client gone): stop the upstream rather than leave it paused.
      this.abortUpstream?.(new ClientSideError('request already answered', 499, 'bad_request'));
      return false;
    }
    // 1xx (e.g. 103 Early Hints): informational, the final answer follows. (100 cannot come: Expect is dropped.)
    if (statusCode < 200) return true;
    this.resumeUpstream = resume;
    const out: string[] = [];
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!.toString('latin1');
      if (RESPONSE_DROP.has(name.toLowerCase())) continue;
      out.push(name, rawHeaders[i + 1]!.toString('latin1'));
    }
    out.push('x-request-id', this.requestId);
    if (this.extraHeaders !== undefined) out.push(...this.extraHeaders);
    try {
      this.res.writeHead(statusCode, out);
    } catch (error) {
      this.abortUpstream?.(error as Error);
      return false;
    }
    this.proxy.upstreams.recordAnswer(this.target!);
    this.settle?.(statusCode >= 500 ? this.judge(statusCode, out) : undefined);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.finished) return false;
    const ok = this.res.write(chunk);
    // Paused until the client drains; if it leaves instead, onClientClose aborts the upstream request.
    if (!ok) this.res.once('drain', this.resumeUpstream!);
    return ok;
  }

  onComplete(): void {
    this.release();
    this.res.end();
  }

  onError(error: Error): void {
    this.release(error);
    if (this.finished) return;
    if (!this.res.headersSent) {
      if (this.mayRetry(error)) {
        this.attempts++;
        this.dispatch(this.target);
        return;
      }
      if (this.settle) this.settle(error);
      else this.fail(error);
      return;
    }
    // The response had started: all we can do is cut it, so the client sees it incomplete.
    this.finished = true;
    this.res.destroy(error);
  }

  // ---- outcomes ----

  /** Answers the client for a failure the response had not started for. */
  fail(error: unknown): void {
    if (this.finished) return;
    const e = error as Error & { code?: string };
    if (this.inFlight) this.abortUpstream?.(e);
    const proxy = this.proxy;
    this.finished = true;
    if (e instanceof ClientSideError) {
      // A body refused part-way is being discarded (`discardRest`): the connection stays usable, unless the
      // client stalled, whose rest will not come.
      return proxy.refuse(this.res, e.status, e.code, e.message, this.requestId, e.closeConnection, e.code === 'overloaded' ? ['retry-after', '1'] : undefined);
    }
    if (e.code === 'NO_INSTANCE') return proxy.refuse(this.res, 503, 'no_instance', e.message, this.requestId, false, ['retry-after', '1']);
    if (e.code !== undefined && TIMEOUT_ERRORS.has(e.code)) {
      return proxy.refuse(this.res, 504, 'gateway_timeout', `${this.route.service} did not answer in time (${e.code})`, this.requestId);
    }
    proxy.refuse(this.res, 502, 'bad_gateway', `${this.route.service} failed: ${e.code ?? e.message}`, this.requestId);
  }

  /**
   * One retry on another instance: for any method when no connection was made (nothing was sent, so the
   * upstream cannot have acted on it), for an idempotent one when the connection broke before an answer.
   */
  private mayRetry(error: Error): boolean {
    if (this.attempts > 0) return false;
    const code = (error as { code?: string }).code;
    if (code === undefined) return false;
    return CONNECT_ERRORS.has(code) || (this.idempotent && RESET_ERRORS.has(code));
  }

  /** A 5xx's meaning for the breaker: a failure, a deliberate 503 + Retry-After passed through, or neither. */
  private judge(statusCode: number, headers: readonly string[]): Error | undefined {
    let retryAfter = false;
    for (let i = 0; i < headers.length; i += 2) {
      if (headers[i]!.length === 11 && headers[i]!.toLowerCase() === 'retry-after') retryAfter = true;
    }
    const verdict = judgeAnswer(statusCode, retryAfter);
    if (verdict === 'success') return undefined;
    return verdict === 'dependency-unavailable' ? new DependencyUnavailableAnswer() : new UpstreamStatusError(statusCode);
  }

  private release(error?: Error): void {
    if (!this.inFlight) return;
    this.inFlight = false;
    this.target!.outstanding--;
    if (error === undefined || error instanceof ClientSideError) return;
    this.target!.failures++;
    if (isGatewayFailure(error)) this.proxy.upstreams.recordGatewayFailure(this.route.service, this.target!);
  }

  readonly onClientClose = (): void => {
    if (this.res.writableFinished || this.finished) return;
    this.finished = true;
    const gone = new ClientSideError('client went away', 499, 'bad_request');
    if (this.inFlight) this.abortUpstream?.(gone);
    this.settle?.(gone);
  };
}
