import { acceptOrCreateRequestId } from '@shop/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RateLimitEngine, Verdict } from '@shop/rate-limit';
import type { UpstreamBreakers } from '../breakers/upstream-breakers';
import { Balancer, createBalancer } from '../routing/balancer';
import type { Route, RouteTable } from '@shop/contracts';
import type { UpstreamInstance, Upstreams } from '../routing/upstreams';
import { routeKeyOf, upstreamPathOf } from './api-path';
import type { ClientConcurrency } from './client-concurrency';
import { ErrorAnswerOptions, GatewayErrorCode, sendError } from './gateway-errors';
import { ExchangeHost, ProxyExchange } from './proxy-exchange';
import { ProxyStats } from './proxy.stats';
import { refusalFor } from './rate-limit-answer';
import { BODY_BUFFER_BYTES, ByteBudget, DISCARD_BODY_BYTES, discardRest } from './request-body';
import { rawHeader, RequestHead } from './request-head';
import { pathProblem, TrustedProxies } from './request-guard';
import { DependencyUnavailableAnswer, UpstreamStatusError } from './upstream-failure';

/** The methods the API uses; anything else (TRACE, PROPFIND, ...) is answered 405 here, never forwarded. */
const ALLOWED_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE']);
const METHOD_NOT_ALLOWED: ErrorAnswerOptions = { closeConnection: true, headers: ['allow', [...ALLOWED_METHODS].join(', ')] };
const RETRY_SHORTLY: ErrorAnswerOptions = { headers: ['retry-after', '1'] };

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
 * first path segment after `/api/` (one Map lookup), rate limit (in memory from leased permits, else one Redis
 * call for all the policies that apply), then, through the service's circuit breaker, forward to the instance
 * the route's balancer picks (ProxyExchange), with bodies streamed both ways through undici's dispatcher.
 */
export class ProxyHandler implements ExchangeHost {
  private readonly balancers = new WeakMap<Route, Balancer<UpstreamInstance>>();

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
    const requestId = acceptOrCreateRequestId(rawHeader(req.rawHeaders, 'x-request-id'));
    const stats = this.deps.stats;

    const problem = pathProblem(path);
    if (problem !== undefined) return this.refuse(res, 400, 'bad_request', problem, requestId);
    if (!ALLOWED_METHODS.has(req.method!)) {
      return this.refuse(res, 405, 'method_not_allowed', `method ${req.method} is not allowed`, requestId, METHOD_NOT_ALLOWED);
    }
    const route = this.deps.routes().get(routeKeyOf(path));
    if (route === undefined) return this.refuse(res, 404, 'not_found', `no route for ${path}`, requestId);

    const head = new RequestHead();
    const headProblem = head.read(req, requestId, this.deps.trusted);
    if (headProblem !== undefined) {
      // A body declared too large is read and dropped before the 413, so that the client, still sending, reads
      // the answer instead of a reset (see discardRest). One beyond DISCARD_BODY_BYTES, or a malformed request,
      // closes the connection instead.
      const drain = headProblem.status === 413 && head.declaredBodyBytes <= DISCARD_BODY_BYTES;
      const answer = () => this.refuse(res, headProblem.status, headProblem.code, headProblem.message, requestId, { closeConnection: !drain });
      return drain ? discardRest(req, this.deps.bodyTimeoutMs, answer) : answer();
    }
    const ex = new ProxyExchange(req, res, requestId, route, head, this.balancerFor(route), this, upstreamPathOf(url));
    const client = head.identity.ip;
    if (!this.deps.perClient.tryEnter(client)) {
      return this.refuse(res, 429, 'too_many_concurrent_requests', `more than ${this.deps.perClient.maxPerClient} requests in flight from ${client}`, requestId, RETRY_SHORTLY);
    }
    stats.requests++;
    // From here on the client may leave at any moment (while Redis decides, while a leaky bucket holds the
    // request, while the upstream answers): whatever is in flight for it must then stop and free its slot.
    res.once('close', () => {
      this.deps.perClient.leave(client);
      ex.onClientClose();
    });

    const verdict = this.deps.limits.check(req.method!, path, head.identity);
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
    if (refusal !== undefined) return this.refuse(ex.res, refusal.status, refusal.code, refusal.message, ex.requestId, { headers: refusal.headers });
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
      return this.refuse(res, 503, 'no_instance', `no live instance of ${route.service}`, ex.requestId, RETRY_SHORTLY);
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
    this.refuse(ex.res, 503, 'circuit_open', `circuit open for ${ex.route.service}`, ex.requestId, { headers: ['retry-after', retry] });
  }

  refuse(res: ServerResponse, status: number, code: GatewayErrorCode, message: string, requestId: string, options?: ErrorAnswerOptions): void {
    this.deps.stats.count(code);
    sendError(res, status, code, message, requestId, options);
  }

  get upstreams(): Upstreams {
    return this.deps.upstreams;
  }

  get bodyTimeoutMs(): number {
    return this.deps.bodyTimeoutMs;
  }
}
