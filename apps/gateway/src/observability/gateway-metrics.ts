import { Counter, Gauge, Registry } from 'prom-client';
import type { RateLimitEngine } from '@shop/rate-limit';
import type { ProxyStats } from '../proxy/proxy.stats';
import type { Upstreams } from '../routing/upstreams';

/**
 * Gateway metrics, read from the live counters at scrape time (`collect`), so the hot path never touches
 * prom-client. Breaker metrics come from @shop/circuit-breaker.
 */
export function registerGatewayMetrics(registry: Registry, limits: RateLimitEngine, stats: ProxyStats, upstreams: Upstreams): void {
  new Counter({
    name: 'gateway_rate_limit_decisions_total',
    help: 'Rate limit decisions per policy and outcome (admitted, rejected, delayed, failed_open, failed_closed, local)',
    labelNames: ['policy', 'outcome'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { policy, stats: s } of limits.policies()) {
        this.labels(policy.name, 'admitted').inc(s.admitted);
        this.labels(policy.name, 'rejected').inc(s.rejected);
        this.labels(policy.name, 'delayed').inc(s.delayed);
        this.labels(policy.name, 'failed_open').inc(s.failedOpen);
        this.labels(policy.name, 'failed_closed').inc(s.failedClosed);
        this.labels(policy.name, 'local').inc(s.decidedLocally);
      }
    },
  });
  new Gauge({
    name: 'gateway_redis_up',
    help: '1 when the rate limiter can reach Redis',
    registers: [registry],
    collect() {
      this.set(limits.redisStatus().state === 'ready' ? 1 : 0);
    },
  });
  new Counter({
    name: 'gateway_proxied_requests_total',
    help: 'Requests that passed validation and routing',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats.requests);
    },
  });
  new Counter({
    name: 'gateway_errors_total',
    help: 'Answers made by the gateway itself, by error code',
    labelNames: ['code'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [code, n] of Object.entries(stats.gatewayErrors)) this.labels(code).inc(n);
    },
  });
  new Gauge({
    name: 'gateway_upstream_outstanding',
    help: 'Requests in flight per upstream instance',
    labelNames: ['service', 'instance'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const service of upstreams.services()) {
        for (const u of upstreams.all(service)) this.labels(service, u.instance.id).set(u.outstanding);
      }
    },
  });
  new Gauge({
    name: 'gateway_upstream_ejected',
    help: 'Instances per service that outlier detection ejected (skipped by the balancer) now',
    labelNames: ['service'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const service of upstreams.services()) this.labels(service).set(upstreams.all(service).length - upstreams.of(service).length);
    },
  });
  new Counter({
    name: 'gateway_upstream_ejections_total',
    help: 'Ejections by outlier detection per service (consecutive gateway failures of one instance)',
    labelNames: ['service'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const service of upstreams.services()) this.labels(service).inc(upstreams.ejections(service));
    },
  });
}
