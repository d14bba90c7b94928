import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { HealthRegistry, JsonLogger, metricsRegistry } from '@shop/common';
import { RateLimitEngine } from '@shop/rate-limit';
import { UpstreamBreakers } from './breakers/upstream-breakers';
import { GatewayLiveConfig } from './config/gateway-live-config';
import type { DiscoverySource } from './discovery/discovery.source';
import { RegistryDiscovery } from './discovery/registry.discovery';
import type { GatewayConfig } from './gateway.config';
import { DISCOVERY, GATEWAY_CONFIG, GATEWAY_LOGGER, RATE_LIMIT_REDIS } from './gateway.tokens';
import { EdgeAuth } from './identity/edge-auth';
import { registerGatewayMetrics } from './observability/gateway-metrics';
import { Series } from './observability/series';
import { ProxyStats } from './proxy/proxy.stats';
import { followRoutes } from './routing/route-following';
import { Upstreams } from './routing/upstreams';

/** The gateway's parts in Nest's lifecycle: started and checked before it listens; deregistered first, then closed. */
@Injectable()
export class GatewayLifecycle implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_LOGGER) private readonly logger: JsonLogger,
    @Inject(DISCOVERY) private readonly discovery: DiscoverySource,
    @Inject(GatewayLiveConfig) private readonly live: GatewayLiveConfig,
    @Inject(RATE_LIMIT_REDIS) private readonly redis: Redis,
    @Inject(RateLimitEngine) private readonly limits: RateLimitEngine,
    @Inject(Series) private readonly series: Series,
    @Inject(UpstreamBreakers) private readonly breakers: UpstreamBreakers,
    @Inject(Upstreams) private readonly upstreams: Upstreams,
    @Inject(EdgeAuth) private readonly auth: EdgeAuth,
    @Inject(ProxyStats) private readonly stats: ProxyStats,
    @Inject(HealthRegistry) private readonly health: HealthRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    this.health.register('discovery', async () => {
      const { healthy, detail } = this.discovery.health();
      // Degraded, not down: the gateway keeps routing with its last known view (see registry-client).
      return { ...detail, state: healthy ? 'up' : 'degraded' };
    });
    this.health.register('redis', async () => {
      // Down Redis is not fatal: each rate limit policy applies its onRedisError.
      const { state, lastError } = this.limits.redisStatus();
      return { state: state === 'ready' ? 'up' : 'degraded', connection: state, lastError };
    });
    followRoutes(this.live, this.upstreams, this.breakers, this.logger);
    registerGatewayMetrics(metricsRegistry, this.limits, this.stats, this.upstreams);
    this.series.start();
    // The services check the gateway's proofs against its published key: publish it before taking requests.
    await this.auth.proofs.publish(30_000);
  }

  /** Registers this gateway in the registry (when it is the source), once the server listens (main.ts). */
  async register(): Promise<void> {
    if (!(this.discovery instanceof RegistryDiscovery)) return;
    await this.discovery.client.register({
      service: 'gateway',
      instanceId: this.config.instanceId,
      address: this.config.advertiseHost,
      port: this.config.port,
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!(this.discovery instanceof RegistryDiscovery)) return;
    await this.discovery.client.deregister().catch((error: unknown) =>
      this.logger.event('warn', 'deregistration failed; the registration TTL will expire instead', { error: String(error) }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.series.stop();
    this.auth.proofs.close();
    this.breakers.shutdown();
    await this.upstreams.close();
    await this.discovery.close();
    this.redis.disconnect();
  }
}
