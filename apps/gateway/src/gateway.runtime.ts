import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import Redis from 'ioredis';
import { acceptOrCreateRequestId, createLogger, metricsRegistry } from '@shop/common';
import { BreakersConfig, DEFAULT_BREAKERS_CONFIG, LatencySummary, parseBreakersConfig } from '@shop/circuit-breaker';
import { DEFAULT_ROUTES, GATEWAY_CONFIG_KEYS, parseRoutes, RouteTable } from '@shop/contracts';
import { parseRateLimitPolicies, RateLimitEngine, RateLimitPolicy } from '@shop/rate-limit';
import { RegistryClient } from '@shop/registry-client';
import { UpstreamBreakers } from './breakers/upstream-breakers';
import type { DiscoverySource, LiveConfig } from './discovery/discovery.source';
import { FileDiscovery } from './discovery/file.discovery';
import { RegistryDiscovery } from './discovery/registry.discovery';
import type { GatewayConfig } from './gateway.config';
import { registerGatewayMetrics } from './observability/gateway-metrics';
import { observeProxied } from './observability/proxy-observer';
import { Series } from './observability/series';
import { limitAdminRequest } from './proxy/admin-rate-limit';
import { ADMIN_API_PREFIX, API_PREFIX, consoleAdminUrlOf, isAdminPath } from './proxy/api-path';
import { sendError } from './proxy/gateway-errors';
import { ClientConcurrency } from './proxy/client-concurrency';
import { ProxyHandler } from './proxy/proxy.handler';
import { ProxyStats } from './proxy/proxy.stats';
import { TrustedProxies } from './proxy/request-guard';
import { DEFAULT_OUTLIER_POLICY } from './routing/outlier-detector';
import { Upstreams } from './routing/upstreams';
import { findPublicDir, registerStaticFiles } from './static/static-files';
import { EdgeAuth } from './identity/edge-auth';
import { createEdgeAuth } from './identity/gateway-identity';

/**
 * A generous per-IP token bucket on the whole API until `config/gateway/rate-limits` says otherwise; with
 * Redis down it limits in memory rather than failing open.
 */
export const DEFAULT_RATE_LIMITS: RateLimitPolicy[] = parseRateLimitPolicies([
  { name: 'api-per-ip', algorithm: 'token-bucket', match: { pathPrefix: '/api/' }, key: 'ip', capacity: 200, refillPerSec: 100, onRedisError: 'local' },
  // The console's reads fan out to every service or registry node (apps/console).
  { name: 'console-per-ip', algorithm: 'token-bucket', match: { pathPrefix: '/api/console/' }, key: 'ip', capacity: 30, refillPerSec: 5, onRedisError: 'local' },
  // Sign-in and refresh: a password check costs identity ~0.1 s of scrypt, and guessing is what it would be for.
  { name: 'sign-in-per-ip', algorithm: 'token-bucket', match: { pathPrefix: '/api/auth/' }, key: 'ip', capacity: 120, refillPerSec: 5, onRedisError: 'local' },
  // Config writes, demo resets, and a bearer token someone could try to guess (proxy/admin-rate-limit.ts).
  { name: 'admin-per-ip', algorithm: 'token-bucket', match: { pathPrefix: '/gateway/admin/' }, key: 'ip', capacity: 10, refillPerSec: 1, onRedisError: 'local' },
]);

/**
 * The gateway's composition root, built before Nest: the proxy runs on the raw HTTP server, and Nest's
 * controllers (status, console, admin) read this object.
 */
export class GatewayRuntime {
  readonly logger = createLogger('gateway');
  readonly stats = new ProxyStats();
  readonly limits: RateLimitEngine;
  readonly breakers: UpstreamBreakers;
  readonly upstreams: Upstreams;
  readonly series: Series;
  readonly proxy: ProxyHandler;
  readonly perClient: ClientConcurrency;
  readonly trusted: TrustedProxies;
  readonly routes: LiveConfig<RouteTable>;
  readonly rateLimits: LiveConfig<RateLimitPolicy[]>;
  readonly breakerConfig: LiveConfig<BreakersConfig>;
  /** Sign-in checks at the edge and the gateway's proof to the services (identity/). */
  readonly auth: EdgeAuth;
  private readonly redis: Redis;
  readonly startedAt = Date.now();

  constructor(
    readonly config: GatewayConfig,
    readonly discovery: DiscoverySource,
  ) {
    this.redis = new Redis(config.redisUrl, {
      // Fail fast while Redis is down (each policy's onRedisError decides), never queue requests behind it.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // One connection, many concurrent decisions: commands of one event-loop turn go in one write.
      enableAutoPipelining: true,
      commandTimeout: 250,
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(2000, attempt * 100),
    });
    this.limits = new RateLimitEngine({
      redis: this.redis,
      onRedisStateChange: (state, error) =>
        this.logger.event(state === 'ready' ? 'log' : 'warn', `rate limiter redis ${state}`, { state, error: error?.message }),
    });
    this.series = new Series(() => this.limits.policies().map((p) => ({ name: p.policy.name, stats: p.stats })));

    this.routes = discovery.watchConfig(GATEWAY_CONFIG_KEYS.routes, parseRoutes, DEFAULT_ROUTES);
    this.rateLimits = discovery.watchConfig(GATEWAY_CONFIG_KEYS.rateLimits, parseRateLimitPolicies, DEFAULT_RATE_LIMITS);
    this.breakerConfig = discovery.watchConfig(GATEWAY_CONFIG_KEYS.breakers, parseBreakersConfig, DEFAULT_BREAKERS_CONFIG);

    this.breakers = new UpstreamBreakers(this.breakerConfig.get(), createLogger('circuit-breaker'), metricsRegistry, (t) => this.series.recordTransition(t));
    this.upstreams = new Upstreams(
      discovery,
      (service) => ({ maxConnections: config.upstreamConnections, connectTimeoutMs: this.connectTimeoutFor(service) }),
      (service, list) => this.logger.event('log', 'instances changed', { service, instances: list.map((u) => u.instance.id) }),
      DEFAULT_OUTLIER_POLICY,
      (service, u, until) =>
        this.logger.event('warn', 'instance ejected after consecutive gateway failures', {
          service,
          instance: u.instance.id,
          ejections: u.outlier.ejections,
          until: new Date(until).toISOString(),
        }),
    );
    this.limits.setPolicies(this.rateLimits.get());
    this.followRouteServices(this.routes.get());

    this.routes.onChange((table) => {
      this.logger.event('log', 'routes changed', { routes: [...table.keys()] });
      this.followRouteServices(table);
      for (const service of this.upstreams.services()) this.upstreams.refresh(service);
    });
    this.rateLimits.onChange((policies) => {
      this.logger.event('log', 'rate limit policies changed', { policies: policies.map((p) => p.name) });
      this.limits.setPolicies(policies);
    });
    this.breakerConfig.onChange((value) => {
      this.logger.event('log', 'breaker options changed; breakers restart closed', {});
      this.breakers.reconfigure(value);
      this.followRouteServices(this.routes.get());
    });

    const routes = this.routes;
    this.auth = createEdgeAuth(discovery, config.instanceId, () => routes.get(), config.adminToken);
    this.perClient = new ClientConcurrency(config.maxRequestsPerClient);
    this.trusted = new TrustedProxies(config.trustedProxies);
    this.proxy = new ProxyHandler({
      routes: () => routes.get(),
      upstreams: this.upstreams,
      limits: this.limits,
      breakers: this.breakers,
      trusted: this.trusted,
      stats: this.stats,
      perClient: this.perClient,
      bodyTimeoutMs: config.bodyTimeoutMs,
    });
    registerGatewayMetrics(metricsRegistry, this.limits, this.stats, this.upstreams);
    this.series.start();
  }

  static create(config: GatewayConfig): GatewayRuntime {
    const discovery: DiscoverySource = config.discoveryFile
      ? new FileDiscovery(config.discoveryFile, createLogger('file-discovery'))
      : new RegistryDiscovery(new RegistryClient({ urls: config.registryUrls, token: config.registryToken }));
    return new GatewayRuntime(config, discovery);
  }

  /**
   * Puts the proxy in front of Fastify on the raw server: `/api/...` never enters Fastify's or Nest's
   * per-request machinery (hooks, request/reply objects, guards, pipes, interceptors); the contract's admin API
   * `/gateway/admin/*` takes the same path to the console service (proxy/api-path.ts); everything else (status,
   * series, health, metrics, static files) goes to Fastify as usual.
   */
  attach(fastify: FastifyInstance): void {
    const server = fastify.server;
    const fastifyHandlers = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
    if (fastifyHandlers.length !== 1) throw new Error(`expected Fastify's one request listener, found ${fastifyHandlers.length}`);
    const [toFastify] = fastifyHandlers as [(req: IncomingMessage, res: ServerResponse) => void];
    server.removeAllListeners('request');
    const proxy = this.proxy;
    const isRoute = (prefix: string) => this.routes.get().has(prefix);
    const auth = this.auth;
    const refuse = (res: ServerResponse, r: { status: number; code: 'unauthorized'; message: string }, requestId: string) =>
      proxy.refuse(res, r.status, r.code, r.message, requestId, { headers: ['www-authenticate', 'Bearer'] });
    const adminLimits = { limits: this.limits, trusted: this.trusted, stats: this.stats };
    const proxied = (req: IncomingMessage, res: ServerResponse) => observeProxied(req, res, isRoute, () => auth.admit(req, res, () => proxy.handle(req, res), refuse));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const url = req.url;
      if (url !== undefined && url.startsWith(API_PREFIX)) {
        if (!isAdminPath(url)) proxied(req, res);
        else sendError(res, 404, 'not_found', 'the admin API is /gateway/admin/*', acceptOrCreateRequestId(req.headers['x-request-id']));
      } else if (url !== undefined && url.startsWith(ADMIN_API_PREFIX)) {
        limitAdminRequest(req, res, adminLimits, () => {
          req.url = consoleAdminUrlOf(url);
          proxied(req, res);
        });
      } else toFastify(req, res);
    });
    registerStaticFiles(fastify, findPublicDir(this.config.publicDir));
  }

  status() {
    const now = Date.now();
    return {
      instanceId: this.config.instanceId,
      uptimeMs: now - this.startedAt,
      discovery: { kind: this.discovery.kind, ...this.discovery.health() },
      routes: [...this.routes.get().values()].map((r) => ({ path: `/api/${r.prefix}`, ...r })),
      services: Object.fromEntries(
        this.upstreams.services().map((service) => [
          service,
          this.upstreams.all(service).map((u) => ({
            id: u.instance.id,
            address: `${u.instance.address}:${u.instance.port}`,
            weight: u.weight,
            outstanding: u.outstanding,
            sent: u.sent,
            failures: u.failures,
            ejected: u.outlier.isEjected(now),
            ejectedUntil: u.outlier.isEjected(now) ? new Date(u.outlier.ejectedUntil).toISOString() : null,
            consecutiveGatewayFailures: u.outlier.consecutiveFailures,
            ejections: u.outlier.totalEjections,
          })),
        ]),
      ),
      breakers: this.breakers.all().map((b) => ({
        upstream: b.name,
        state: b.state(),
        openedAt: b.openedAt() === undefined ? null : new Date(b.openedAt()!).toISOString(),
        retryAfterMs: b.retryAfterMs(now),
        slowCalls: b.slowCalls(),
        stats: pickStats(b.breaker.stats, b.latency()),
        options: b.options,
      })),
      rateLimits: {
        redis: this.limits.redisStatus(),
        policies: this.limits.policies().map(({ policy, stats }) => ({ ...policy, stats: { ...stats } })),
      },
      outlierDetection: DEFAULT_OUTLIER_POLICY,
      requests: {
        proxied: this.stats.requests,
        gatewayErrors: { ...this.stats.gatewayErrors },
        bodyBytesInMemory: this.proxy.bodies.inUse,
        clientsInFlight: this.perClient.clients,
      },
    };
  }

  /** Registers this gateway in the registry (when it is the source), once the server listens. */
  async register(): Promise<void> {
    if (!(this.discovery instanceof RegistryDiscovery)) return;
    await this.discovery.client.register({
      service: 'gateway',
      instanceId: this.config.instanceId,
      address: this.config.advertiseHost,
      port: this.config.port,
    });
  }

  async deregister(): Promise<void> {
    if (this.discovery instanceof RegistryDiscovery) await this.discovery.client.deregister();
  }

  async close(): Promise<void> {
    this.series.stop();
    this.auth.proofs.close();
    this.breakers.shutdown();
    await this.upstreams.close();
    await this.discovery.close();
    this.redis.disconnect();
  }

  /** Every routed service gets its instances followed and its breaker made now, so the status page lists them all. */
  private followRouteServices(table: RouteTable): void {
    for (const route of table.values()) {
      this.upstreams.follow(route.service);
      this.breakers.get(route.service);
    }
  }

  private connectTimeoutFor(service: string): number {
    let ms = 0;
    for (const r of this.routes.get().values()) if (r.service === service) ms = Math.max(ms, r.timeouts.connectMs);
    return ms || 1000;
  }

}

/** What the status page shows of a breaker's counts (opossum's rolling window) and latencies (the histogram's). */
function pickStats(s: { fires: number; successes: number; failures: number; timeouts: number; rejects: number }, latency: LatencySummary) {
  return {
    fires: s.fires,
    successes: s.successes,
    failures: s.failures,
    timeouts: s.timeouts,
    rejects: s.rejects,
    latencyMeanMs: latency.meanMs,
    p50Ms: latency.p50Ms,
    p99Ms: latency.p99Ms,
  };
}
