/**
 * `npm run bench:orders`: how fast the shop accepts orders and finishes their sagas, against the database's own
 * ceiling for the same writes.
 *
 * Starts the three services from source with a private Kafka and a one-node registry (test/saga/support: nothing
 * shared with a running stack), then for each concurrency row places orders for ORDERS_BENCH_SECONDS with that many
 * clients (token, then POST /orders, alternating between the two order replicas) and reports:
 *   accepted/s, p50/p99 accept latency (POST /orders), p50/p99 accept -> CONFIRMED (from the order's own history
 *   timestamps), p50/p99 outbox delivery latency (row commit -> Kafka ack, from the services' histograms),
 * then runs bench/orders/ceiling.pgbench.sql (every write of one order's happy path) with pgbench at the same
 * concurrency and prints the ratio. Short runs on a shared machine: read the numbers as orders of magnitude.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { eventually, SagaSystem } from '../test/saga/support/saga-system';
import { OrderView, Shop } from '../test/saga/support/shop';
import { ordersBenchConfig } from './orders-bench.config';

const CHEAP_SKUS = ['SKU-0011', 'SKU-0012', 'SKU-0013', 'SKU-0017'];

interface Row {
  concurrency: number;
  accepted: number;
  perSecond: number;
  acceptP50: number;
  acceptP99: number;
  confirmP50: number;
  confirmP99: number;
  outboxP50: string;
  outboxP99: string;
  ceilingTps: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Cumulative bucket counts of `outbox_delivery_latency_seconds`, summed over the services. */
async function deliveryBuckets(system: SagaSystem): Promise<Map<number, number>> {
  const buckets = new Map<number, number>();
  for (const name of ['order-1', 'order-2', 'inventory', 'payment'] as const) {
    const text = (await system.call(name, 'GET', '/metrics')).body as string;
    for (const line of text.split('\n')) {
      const m = /^outbox_delivery_latency_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\d+)/.exec(line);
      if (!m) continue;
      const le = m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]);
      buckets.set(le, (buckets.get(le) ?? 0) + Number(m[2]));
    }
  }
  return buckets;
}

/** The bucket bound under which p% of the observations made between `before` and `after` fall. */
function bucketPercentile(before: Map<number, number>, after: Map<number, number>, p: number): string {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  if (total <= 0) return 'n/a';
  for (const le of bounds) {
    if ((after.get(le)! - (before.get(le) ?? 0)) / total >= p / 100) return le === Number.POSITIVE_INFINITY ? '>max' : `<=${le * 1000} ms`;
  }
  return 'n/a';
}

async function placeFor(shop: Shop, concurrency: number, seconds: number, customerOffset: number) {
  const accepted: { id: string; ms: number }[] = [];
  const failures = new Map<number, number>();
  const deadline = Date.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        const i = n++;
        const customer = `c-${((customerOffset + i) % 100) + 1}`;
        const key = await shop.token(customer);
        const started = performance.now();
        const res = await shop.submit(key, { customerId: customer, items: [{ sku: CHEAP_SKUS[i % CHEAP_SKUS.length]!, quantity: 1 }] });
        const ms = performance.now() - started;
        if (res.status === 201) accepted.push({ id: res.body.id as string, ms });
        else failures.set(res.status, (failures.get(res.status) ?? 0) + 1);
      }
    }),
  );
  return { accepted, failures };
}

function pgbenchCeiling(concurrency: number, seconds: number): number {
  const db = `bench_orders_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`;
  const psql = (args: string[]) => execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args], { stdio: 'pipe', timeout: 60_000 });
  psql(['-d', 'postgres', '-c', `CREATE DATABASE ${db}`]);
  try {
    psql(['-d', db, '-f', join(__dirname, 'orders', 'ceiling.setup.sql')]);
    const out = execFileSync(
      'pgbench',
      ['-h', '127.0.0.1', '-U', 'postgres', '-n', '-M', 'extended', '-f', join(__dirname, 'orders', 'ceiling.pgbench.sql'), '-c', String(concurrency), '-j', String(Math.min(concurrency, 2)), '-T', String(seconds), db],
      { encoding: 'utf8', timeout: (seconds + 60) * 1000 },
    );
    const tps = /tps = ([\d.]+)/.exec(out);
    if (!tps) throw new Error(`pgbench printed no tps:\n${out}`);
    return Number(tps[1]);
  } finally {
    psql(['-d', 'postgres', '-c', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`]);
  }
}

async function main(): Promise<void> {
  const { secondsPerRow, concurrency } = ordersBenchConfig;
  process.stdout.write(`starting the services (private Kafka, one-node registry, a database each)...\n`);
  const system = await SagaSystem.start();
  const shop = new Shop(system);
  const rows: Row[] = [];
  try {
    let offset = 0;
    for (const c of concurrency) {
      const before = await deliveryBuckets(system);
      const { accepted, failures } = await placeFor(shop, c, secondsPerRow, offset);
      offset += accepted.length;
      if (failures.size > 0) process.stdout.write(`  c=${c}: non-201 answers ${JSON.stringify(Object.fromEntries(failures))}\n`);
      const settled: OrderView[] = [];
      for (const o of accepted) settled.push(await shop.settled(o.id, 120_000));
      // The outbox rows of the last events (OrderConfirmed) are published shortly after the order is CONFIRMED.
      await eventually('outboxes drained', async () => {
        for (const name of ['order-1', 'inventory', 'payment'] as const) if ((await system.call(name, 'GET', '/outbox/stats')).body.pending > 0) return undefined;
        return true;
      });
      const after = await deliveryBuckets(system);
      const acceptMs = accepted.map((a) => a.ms).sort((a, b) => a - b);
      const confirmMs = settled
        .filter((o) => o.status === 'CONFIRMED')
        .map((o) => Date.parse(o.history[1]!.at) - Date.parse(o.history[0]!.at))
        .sort((a, b) => a - b);
      rows.push({
        concurrency: c,
        accepted: accepted.length,
        perSecond: accepted.length / secondsPerRow,
        acceptP50: percentile(acceptMs, 50),
        acceptP99: percentile(acceptMs, 99),
        confirmP50: percentile(confirmMs, 50),
        confirmP99: percentile(confirmMs, 99),
        outboxP50: bucketPercentile(before, after, 50),
        outboxP99: bucketPercentile(before, after, 99),
        ceilingTps: 0,
      });
      process.stdout.write(`  c=${c}: ${accepted.length} orders accepted, ${confirmMs.length} confirmed\n`);
    }
  } finally {
    await system.stop();
  }
  for (const row of rows) row.ceilingTps = pgbenchCeiling(row.concurrency, secondsPerRow);

  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(n >= 100 ? 0 : 1) : 'n/a');
  const lines = [
    '| clients | accepted/s | accept p50 / p99 (ms) | accept -> CONFIRMED p50 / p99 (ms) | outbox delivery p50 / p99 | pgbench ceiling (orders/s) | ratio |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.concurrency} | ${f(r.perSecond)} | ${f(r.acceptP50)} / ${f(r.acceptP99)} | ${f(r.confirmP50)} / ${f(r.confirmP99)} | ${r.outboxP50} / ${r.outboxP99} | ${f(r.ceilingTps)} | ${((100 * r.perSecond) / r.ceilingTps).toFixed(1)} % |`,
    ),
  ];
  process.stdout.write(`\n${lines.join('\n')}\n\n${secondsPerRow} s per row; ceiling = ${'bench/orders/ceiling.pgbench.sql'}: every write of one order's saga in one database.\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
