import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** The one Prometheus registry of this process; apps register their own metrics on it. */
export const metricsRegistry = new Registry();

let defaultsCollected = false;

/** Process metrics (CPU, memory, event loop lag) labelled with the app's name; idempotent. */
export function collectProcessMetrics(app: string): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  metricsRegistry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: metricsRegistry });
}

export const httpRequestDuration = new Histogram({
  name: 'http_server_request_duration_seconds',
  help: 'Duration of HTTP requests served by this app',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});
