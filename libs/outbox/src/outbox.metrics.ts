import { createLogger, metricsRegistry } from '@shop/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { OutboxStats } from './outbox.queries';

/** Something that can tell its outbox's current numbers (one per relay in this process). */
export interface StatsSource {
  readonly serviceName: string;
  cachedStats(): Promise<OutboxStats>;
}

const sources = new Set<StatsSource>();
const logger = createLogger('outbox-metrics');

export function registerStatsSource(source: StatsSource): () => void {
  sources.add(source);
  return () => sources.delete(source);
}

/** Gauges read the database at scrape time (cached briefly), so they are never stale between passes. */
function statsGauge(name: string, help: string, pick: (s: OutboxStats) => number): Gauge<'service'> {
  return new Gauge({
    name,
    help,
    labelNames: ['service'] as const,
    registers: [metricsRegistry],
    async collect() {
      this.reset();
      for (const source of sources) {
        try {
          this.set({ service: source.serviceName }, pick(await source.cachedStats()));
        } catch (error) {
          // One unreadable outbox must not take /metrics down: the series is absent, which alerts on its own.
          logger.event('warn', 'outbox stats unavailable for /metrics', { service: source.serviceName, error: String(error) });
        }
      }
    },
  });
}

export const outboxMetrics = {
  pending: statsGauge('outbox_pending_rows', 'Outbox rows not yet published', (s) => s.pending),
  oldestPendingAge: statsGauge('outbox_oldest_pending_age_seconds', 'Age of the oldest unpublished outbox row', (s) => s.oldestPendingAgeMs / 1000),
  deadRows: statsGauge('outbox_dead_rows', 'Outbox rows parked in the dead-letter state', (s) => s.dead),
  published: new Counter({
    name: 'outbox_published_total',
    help: 'Outbox rows published to Kafka',
    labelNames: ['service', 'topic'] as const,
    registers: [metricsRegistry],
  }),
  publishFailures: new Counter({
    name: 'outbox_publish_failures_total',
    help: 'Failed publish attempts (rows)',
    labelNames: ['service', 'topic'] as const,
    registers: [metricsRegistry],
  }),
  dead: new Counter({
    name: 'outbox_dead_total',
    help: 'Outbox rows moved to the dead-letter state (alert)',
    labelNames: ['service', 'topic'] as const,
    registers: [metricsRegistry],
  }),
  publishDuration: new Histogram({
    name: 'outbox_publish_duration_seconds',
    help: 'Duration of one publish call to Kafka (a batch)',
    labelNames: ['service'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [metricsRegistry],
  }),
  deliveryLatency: new Histogram({
    name: 'outbox_delivery_latency_seconds',
    help: 'Time from the outbox row commit (created_at) to its acknowledged publish',
    labelNames: ['service'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [metricsRegistry],
  }),
};
