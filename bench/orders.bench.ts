/**
 * `npm run bench:orders`: how fast the shop accepts orders and finishes their sagas, against the database's own
 * ceiling for the same writes.
 *
 * Direct mode (the default): starts the three services from source with a private Kafka and a one-node registry
 * (test/saga/support: nothing shared with a running stack). Gateway mode (ORDERS_BENCH_GATEWAY=http://127.0.0.1:8080):
 * sends the orders to an already running gateway (`npm run stack`), so routing, load balancing, rate limits and
 * breakers are in the path. Then for each concurrency row it places orders for ORDERS_BENCH_SECONDS with that many
 * clients (token, then POST /orders; directly, alternating between the two order replicas) and reports:
 *   accepted/s, p50/p99 accept latency (POST /orders), p50/p99 accept -> CONFIRMED (from the order's own history
 *   timestamps), p50/p99 outbox delivery latency (row commit -> Kafka ack, from the services' histograms; direct
 *   mode only: the gateway does not route /metrics),
 * then runs bench/orders/ceiling.pgbench.sql (every write of one order's happy path) with pgbench at the same
 * concurrency and prints the ratio. Short runs on a shared machine: read the numbers as orders of magnitude.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fetchWithRetry } from '@shop/http-retry';
import { eventually, HttpAnswer, SagaSystem } from '../test/saga/support/saga-system';
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

/** Where the orders go: the services started by the bench, or a running gateway. */
interface OrdersTarget {
  /** POST /orders/tokens; 201 carries the idempotency key. */
  requestToken(customerId: string): Promise<HttpAnswer>;
  submit(key: string, body: unknown): Promise<HttpAnswer>;
  settled(orderId: string, timeoutMs: number): Promise<OrderView>;
  /** True once no service has an outbox row waiting. */
  outboxesDrained(): Promise<boolean>;
  /** Cumulative bucket counts of `outbox_delivery_latency_seconds`, summed over the services; undefined when not visible. */
  deliveryBuckets(): Promise<Map<number, number> | undefined>;
  stop(): Promise<void>;
}

async function directTarget(): Promise<OrdersTarget> {
  process.stdout.write(`starting the services (private Kafka, one-node registry, a database each)...\n`);
  const system = await SagaSystem.start();
  const shop = new Shop(system);
  return {
    requestToken: (customerId) => system.call(shop.orderReplica(), 'POST', '/orders/tokens', { body: { customerId } }),
    submit: (key, body) => shop.submit(key, body),
    settled: (orderId, timeoutMs) => shop.settled(orderId, timeoutMs),
    outboxesDrained: async () => {
      for (const name of ['order-1', 'inventory', 'payment'] as const) if ((await system.call(name, 'GET', '/outbox/stats')).body.pending > 0) return false;
      return true;
    },
    deliveryBuckets: () => deliveryBuckets(system),
    stop: () => system.stop(),
  };
}

/**
 * The contract's public API under /api, and the gateway's own GET /gateway/outbox for the services' outboxes,
 * called through the shop's client retry policy.
 */
function gatewayTarget(gateway: string): OrdersTarget {
  process.stdout.write(`sending the orders through the gateway at ${gateway} (its rate limits apply)...\n`);
  // The shop's client retry policy (@shop/http-retry): what a load tool's client retries, a customer's would too.
  const call = async (method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<HttpAnswer> => {
    const { response: res } = await fetchWithRetry(`${gateway}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      idempotencyKey,
      repeatable: path === '/api/orders/tokens',
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (a proxy's error page): kept as text
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    requestToken: (customerId) => call('POST', '/api/orders/tokens', { customerId }),
    submit: (key, body) => call('POST', '/api/orders', body, key),
    settled: (orderId, timeoutMs) =>
      eventually(
        `order ${orderId} leaves PENDING`,
        async () => {
          const res = await call('GET', `/api/orders/${orderId}`);
          if (res.status !== 200) throw new Error(`GET /api/orders/${orderId} answered ${res.status}`);
          return res.body.status === 'PENDING' ? undefined : (res.body as OrderView);
        },
        timeoutMs,
      ),
    outboxesDrained: async () => {
      const { services } = (await call('GET', '/gateway/outbox')).body as { services: { service: string; ok: boolean; body?: { pending?: number } }[] };
      return services.every((s) => s.ok && s.body?.pending === 0);
    },
    deliveryBuckets: async () => undefined,
    stop: async () => undefined,
  };
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
function bucketPercentile(before: Map<number, number> | undefined, after: Map<number, number> | undefined, p: number): string {
  if (!before || !after) return 'n/a';
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  if (total <= 0) return 'n/a';
  for (const le of bounds) {
    if ((after.get(le)! - (before.get(le) ?? 0)) / total >= p / 100) return le === Number.POSITIVE_INFINITY ? '>max' : `<=${le * 1000} ms`;
  }
  return 'n/a';
}

async function placeFor(target: OrdersTarget, concurrency: number, seconds: number, customerOffset: number) {
  const accepted: { id: string; ms: number }[] = [];
  const failures = new Map<string, number>();
  // A refused client waits as the answer asks (429/503 Retry-After, at most 2 s), as a well-behaved client would.
  const refused = async (what: string, res: HttpAnswer): Promise<void> => {
    failures.set(what, (failures.get(what) ?? 0) + 1);
    const retryAfterS = Number(res.headers.get('retry-after'));
    if (retryAfterS > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfterS, 2) * 1000));
  };
  const deadline = Date.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        const i = n++;
        const customer = `c-${((customerOffset + i) % 100) + 1}`;
        const token = await target.requestToken(customer);
        if (token.status !== 201) {
          await refused(`token ${token.status}`, token);
          continue;
        }
        const started = performance.now();
        const res = await target.submit(token.body.token as string, { customerId: customer, items: [{ sku: CHEAP_SKUS[i % CHEAP_SKUS.length]!, quantity: 1 }] });
        const ms = performance.now() - started;
        if (res.status === 201) accepted.push({ id: res.body.id as string, ms });
        else await refused(`order ${res.status}`, res);
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
  const { secondsPerRow, concurrency, gateway } = ordersBenchConfig;
  const target = gateway ? gatewayTarget(gateway) : await directTarget();
  const rows: Row[] = [];
  try {
    let offset = 0;
    for (const c of concurrency) {
      const before = await target.deliveryBuckets();
      const { accepted, failures } = await placeFor(target, c, secondsPerRow, offset);
      offset += accepted.length;
      if (failures.size > 0) process.stdout.write(`  c=${c}: non-201 answers ${JSON.stringify(Object.fromEntries(failures))}\n`);
      const settled: OrderView[] = [];
      for (const o of accepted) settled.push(await target.settled(o.id, 120_000));
      // The outbox rows of the last events (OrderConfirmed) are published shortly after the order is CONFIRMED.
      await eventually('outboxes drained', () => target.outboxesDrained());
      const after = await target.deliveryBuckets();
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
    await target.stop();
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
  const mode = gateway ? `through the gateway at ${gateway}` : 'directly to the services';
  process.stdout.write(`\n${lines.join('\n')}\n\n${secondsPerRow} s per row, ${mode}; ceiling = ${'bench/orders/ceiling.pgbench.sql'}: every write of one order's saga in one database.\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
