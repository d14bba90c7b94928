import type { Provider } from '@nestjs/common';
import Redis from 'ioredis';
import { createLogger, JsonLogger, metricsRegistry } from '@shop/common';
import { RateLimitEngine } from '@shop/rate-limit';
import { RegistryClient } from '@shop/registry-client';
import { UpstreamBreakers } from './breakers/upstream-breakers';
import { GatewayLiveConfig } from './config/gateway-live-config';
import type { DiscoverySource } from './discovery/discovery.source';
import { FileDiscovery } from './discovery/file.discovery';
import { RegistryDiscovery } from './discovery/registry.discovery';
import type { GatewayConfig } from './gateway.config';
import { DISCOVERY, GATEWAY_CONFIG, GATEWAY_LOGGER, RATE_LIMIT_REDIS } from './gateway.tokens';
import { EdgeAuth } from './identity/edge-auth';
import { createEdgeAuth } from './identity/gateway-identity';
import { Series } from './observability/series';
import { ClientConcurrency } from './proxy/client-concurrency';
import { ProxyHandler } from './proxy/proxy.handler';
import { ProxyStats } from './proxy/proxy.stats';
import { TrustedProxies } from './proxy/request-guard';
import { DEFAULT_OUTLIER_POLICY } from './routing/outlier-detector';
import { Upstreams } from './routing/upstreams';

/**
 * The gateway's parts as Nest providers, each built from the ones it needs (the composition root; the order
 * of construction is Nest's, from these dependencies). The proxy runs on the raw HTTP server
 * (proxy/gateway-server.ts), the controllers read the status view; both get their parts injected.
 */
export function gatewayProviders(config: GatewayConfig): Provider[] {
  return [
    { provide: GATEWAY_CONFIG, useValue: config },
    { provide: GATEWAY_LOGGER, useFactory: () => createLogger('gateway') },
    { provide: DISCOVERY, useFactory: () => createDiscovery(config) },
    { provide: GatewayLiveConfig, inject: [DISCOVERY], useFactory: (discovery: DiscoverySource) => new GatewayLiveConfig(discovery) },
    {
      provide: RATE_LIMIT_REDIS,
      useFactory: () =>
        new Redis(config.redisUrl, {
          // Fail fast while Redis is down (each policy's onRedisError decides), never queue requests behind it.
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          // One connection, many concurrent decisions: commands of one event-loop turn go in one write.
          enableAutoPipelining: true,
          commandTimeout: 250,
          connectTimeout: 2000,
          retryStrategy: (attempt) => Math.min(2000, attempt * 100),
        }),
    },
    {
      provide: RateLimitEngine,
      inject: [RATE_LIMIT_REDIS, GatewayLiveConfig, GATEWAY_LOGGER],
      useFactory: (redis: Redis, live: GatewayLiveConfig, logger: JsonLogger) => {
        const limits = new RateLimitEngine({
          redis,
          onRedisStateChange: (state, error) => logger.event(state === 'ready' ? 'log' : 'warn', `rate limiter redis ${state}`, { state, error: error?.message }),
        });
        limits.setPolicies(live.rateLimits.get());
        live.rateLimits.onChange((policies) => {
          logger.event('log', 'rate limit policies changed', { policies: policies.map((p) => p.name) });
          limits.setPolicies(policies);
        });
        return limits;
      },
    },
    {
      provide: Series,
      inject: [RateLimitEngine],
      useFactory: (limits: RateLimitEngine) => new Series(() => limits.policies().map((p) => ({ name: p.policy.name, stats: p.stats }))),
    },
    {
      provide: UpstreamBreakers,
      inject: [GatewayLiveConfig, Series],
      useFactory: (live: GatewayLiveConfig, series: Series) =>
        new UpstreamBreakers(live.breakers.get(), createLogger('circuit-breaker'), metricsRegistry, (t) => series.recordTransition(t)),
    },
    {
      provide: Upstreams,
      inject: [DISCOVERY, GatewayLiveConfig, GATEWAY_LOGGER],
      useFactory: (discovery: DiscoverySource, live: GatewayLiveConfig, logger: JsonLogger) =>
        new Upstreams(
          discovery,
          (service) => ({ maxConnections: config.upstreamConnections, connectTimeoutMs: connectTimeoutFor(live, service) }),
          (service, list) => logger.event('log', 'instances changed', { service, instances: list.map((u) => u.instance.id) }),
          DEFAULT_OUTLIER_POLICY,
          (service, u, until) =>
            logger.event('warn', 'instance ejected after consecutive gateway failures', {
              service,
              instance: u.instance.id,
              ejections: u.outlier.ejections,
              until: new Date(until).toISOString(),
            }),
        ),
    },
    {
      provide: EdgeAuth,
      inject: [DISCOVERY, GatewayLiveConfig],
      useFactory: (discovery: DiscoverySource, live: GatewayLiveConfig) => createEdgeAuth(discovery, config.instanceId, () => live.routes.get(), config.adminToken),
    },
    { provide: ProxyStats, useFactory: () => new ProxyStats() },
    { provide: ClientConcurrency, useFactory: () => new ClientConcurrency(config.maxRequestsPerClient) },
    { provide: TrustedProxies, useFactory: () => new TrustedProxies(config.trustedProxies) },
    {
      provide: ProxyHandler,
      inject: [GatewayLiveConfig, Upstreams, RateLimitEngine, UpstreamBreakers, TrustedProxies, ProxyStats, ClientConcurrency],
      useFactory: (
        live: GatewayLiveConfig,
        upstreams: Upstreams,
        limits: RateLimitEngine,
        breakers: UpstreamBreakers,
        trusted: TrustedProxies,
        stats: ProxyStats,
        perClient: ClientConcurrency,
      ) => {
        const routes = live.routes;
        return new ProxyHandler({ routes: () => routes.get(), upstreams, limits, breakers, trusted, stats, perClient, bodyTimeoutMs: config.bodyTimeoutMs });
      },
    },
  ];
}

function createDiscovery(config: GatewayConfig): DiscoverySource {
  return config.discoveryFile
    ? new FileDiscovery(config.discoveryFile, createLogger('file-discovery'))
    : new RegistryDiscovery(new RegistryClient({ urls: config.registryUrls, token: config.registryToken }));
}

/** A service's connect timeout: the longest of its routes'. */
function connectTimeoutFor(live: GatewayLiveConfig, service: string): number {
  let ms = 0;
  for (const r of live.routes.get().values()) if (r.service === service) ms = Math.max(ms, r.timeouts.connectMs);
  return ms || 1000;
}
