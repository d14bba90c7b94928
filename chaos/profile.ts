/**
 * Where a scenario's accept latency comes from, written beside its report as `<scenario>.profile.json`: the
 * clients' retries by route and reason, and the accept latency (schedule -> 201) before, during and after the
 * fault, per second of the run, and of the slowest orders. A p99 over target is then traced to a hop and a moment
 * instead of guessed at.
 */
import type { FaultSpan } from './report';
import type { OrderAttempt, Traffic } from './traffic';

const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

const latencyOf = (o: OrderAttempt): number | undefined => (o.acceptedAtMs === undefined ? undefined : o.acceptedAtMs - o.scheduledAtMs);

function summary(orders: OrderAttempt[]): { orders: number; p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number } {
  const ms = orders.map(latencyOf).filter((v): v is number => v !== undefined);
  return { orders: ms.length, p50Ms: percentile(ms, 50), p90Ms: percentile(ms, 90), p99Ms: percentile(ms, 99), maxMs: ms.length ? Math.max(...ms) : Number.NaN };
}

export function latencyProfile(traffic: Traffic, faults: readonly FaultSpan[]): unknown {
  const t0 = traffic.startedAt;
  const faultStart = Math.min(...faults.map((f) => f.startMs));
  const faultEnd = Math.max(...faults.map((f) => f.endMs ?? Date.now()));
  const retries: Record<string, Record<string, number>> = {};
  for (const r of traffic.retries) {
    const byWhy = (retries[r.route] ??= {});
    byWhy[r.why] = (byWhy[r.why] ?? 0) + 1;
  }
  const retriesPerSecond: Record<number, number> = {};
  for (const r of traffic.retries) {
    const s = Math.floor((r.atMs - t0) / 1000);
    retriesPerSecond[s] = (retriesPerSecond[s] ?? 0) + 1;
  }
  const bySecond = new Map<number, OrderAttempt[]>();
  for (const o of traffic.orders) {
    const s = Math.floor((o.scheduledAtMs - t0) / 1000);
    bySecond.set(s, [...(bySecond.get(s) ?? []), o]);
  }
  return {
    fault: { fromS: (faultStart - t0) / 1000, toS: (faultEnd - t0) / 1000 },
    accept: {
      beforeFault: summary(traffic.orders.filter((o) => o.scheduledAtMs < faultStart)),
      duringFault: summary(traffic.orders.filter((o) => o.scheduledAtMs >= faultStart && o.scheduledAtMs <= faultEnd)),
      afterFault: summary(traffic.orders.filter((o) => o.scheduledAtMs > faultEnd)),
    },
    retries,
    perSecond: [...bySecond.entries()].map(([s, orders]) => ({ s, ...summary(orders), retries: retriesPerSecond[s] ?? 0 })),
    slowest: traffic.orders
      .filter((o) => latencyOf(o) !== undefined)
      .sort((a, b) => latencyOf(b)! - latencyOf(a)!)
      .slice(0, 20)
      .map((o) => ({ i: o.i, scheduledAtS: (o.scheduledAtMs - t0) / 1000, acceptMs: latencyOf(o), duplicate: o.duplicate, customer: o.customerId })),
  };
}
