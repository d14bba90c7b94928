import { createLogger, metricsRegistry } from '@shop/common';
import { Admin, Kafka } from 'kafkajs';
import { Gauge } from 'prom-client';
import { kafkaLogCreator } from './kafka-event.publisher';

export interface ConsumerLagOptions {
  brokers: readonly string[];
  groupId: string;
  clientId: string;
}

/** A scrape reuses an answer this young (several Prometheus servers, or a dashboard refresh, cost one ask). */
const CACHE_MS = 5000;
/** Bound on one ask of the broker; a slower broker leaves the series absent for this scrape. */
const ASK_TIMEOUT_MS = 3000;

const logger = createLogger('consumer-lag');

/**
 * `kafka_consumer_lag_messages{group,topic,partition}`: the end offset of each partition minus the group's
 * committed offset, asked of the broker at scrape time (an admin client, connected on first scrape). It is the
 * group's lag, the same on every instance of the service. Absent when the broker cannot be asked (Kafka down
 * is not the service down; `outbox_pending_rows` and the health check tell that story). The admin connection
 * ends with the process.
 */
export function registerConsumerLagMetric(options: ConsumerLagOptions): void {
  let admin: Admin | undefined;
  let cached: { at: number; lag: { topic: string; partition: number; lag: number }[] } | undefined;
  const ask = async () => {
    if (cached !== undefined && Date.now() - cached.at < CACHE_MS) return cached.lag;
    if (admin === undefined) {
      admin = new Kafka({
        clientId: `${options.clientId}-lag`,
        brokers: [...options.brokers],
        connectionTimeout: 2000,
        requestTimeout: ASK_TIMEOUT_MS,
        retry: { retries: 0 },
        logCreator: kafkaLogCreator('consumer-lag'),
      }).admin();
      await admin.connect();
    }
    const lag: { topic: string; partition: number; lag: number }[] = [];
    // No topics named: the broker answers for every topic the group has committed offsets of.
    const committed = await admin.fetchOffsets({ groupId: options.groupId });
    for (const { topic, partitions } of committed) {
      const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
      for (const p of partitions) {
        const end = ends.get(p.partition) ?? 0;
        // -1: nothing committed yet; the group starts at the earliest offset, so all of it is lag (upper bound).
        const at = Number(p.offset) < 0 ? 0 : Number(p.offset);
        lag.push({ topic, partition: p.partition, lag: Math.max(0, end - at) });
      }
    }
    cached = { at: Date.now(), lag };
    return lag;
  };
  new Gauge({
    name: 'kafka_consumer_lag_messages',
    help: "Messages in each partition not yet consumed by this service's group (end offset minus committed offset)",
    labelNames: ['group', 'topic', 'partition'] as const,
    registers: [metricsRegistry],
    async collect() {
      this.reset();
      try {
        const lag = await withTimeout(ask(), ASK_TIMEOUT_MS * 2);
        for (const p of lag) this.set({ group: options.groupId, topic: p.topic, partition: String(p.partition) }, p.lag);
      } catch (error) {
        logger.event('warn', 'consumer lag unavailable for /metrics', { group: options.groupId, error: String(error) });
      }
    },
  });
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
