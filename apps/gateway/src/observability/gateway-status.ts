import { Inject, Injectable } from '@nestjs/common';
import type { LatencySummary } from '@shop/circuit-breaker';
import { RateLimitEngine } from '@shop/rate-limit';
import { UpstreamBreakers } from '../breakers/upstream-breakers';
import { GatewayLiveConfig } from '../config/gateway-live-config';
import type { DiscoverySource } from '../discovery/discovery.source';
import type { GatewayConfig } from '../gateway.config';
import { DISCOVERY, GATEWAY_CONFIG } from '../gateway.tokens';
import { ClientConcurrency } from '../proxy/client-concurrency';
import { ProxyHandler } from '../proxy/proxy.handler';
import { ProxyStats } from '../proxy/proxy.stats';
import { DEFAULT_OUTLIER_POLICY } from '../routing/outlier-detector';
import { Upstreams } from '../routing/upstreams';

/** `GET /gateway/status`: routes, instances seen per service, breakers, rate limit policies with live counts. */
@Injectable()
export class GatewayStatusView {
  private readonly startedAt = Date.now();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(DISCOVERY) private readonly discovery: DiscoverySource,
    @Inject(GatewayLiveConfig) private readonly live: GatewayLiveConfig,
    @Inject(Upstreams) private readonly upstreams: Upstreams,
    @Inject(UpstreamBreakers) private readonly breakers: UpstreamBreakers,
    @Inject(RateLimitEngine) private readonly limits: RateLimitEngine,
    @Inject(ProxyStats) private readonly stats: ProxyStats,
    @Inject(ProxyHandler) private readonly proxy: ProxyHandler,
    @Inject(ClientConcurrency) private readonly perClient: ClientConcurrency,
  ) {}

  status() {
    const now = Date.now();
    return {
      instanceId: this.config.instanceId,
      uptimeMs: now - this.startedAt,
      discovery: { kind: this.discovery.kind, ...this.discovery.health() },
      routes: [...this.live.routes.get().values()].map((r) => ({ path: `/api/${r.prefix}`, ...r })),
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
