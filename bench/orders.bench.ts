/**
 * `npm run bench:orders`: how fast the shop accepts orders and finishes their sagas, against the database's own
 * ceiling for the same writes.
 *
 * Direct mode (the default): starts the three services from source with a private Kafka and a one-node registry
 * (test/saga/support: nothing shared with a running stack). Gateway mode (ORDERS_BENCH_GATEWAY=http://127.0.0.1:8080):
 * sends the orders to an already running gateway (`npm run stack`) as the demo customers (each signed in once,
 * before the first row), so sign-in checks, routing, load balancing, rate limits and breakers are in the path. Then for each concurrency row it places orders for ORDERS_BENCH_SECONDS with that many
 * clients (token, then POST /orders; directly, alternating between the two order replicas) and reports:
 *   accepted/s, p50/p99 accept latency (POST /orders), p50/p99 accept -> CONFIRMED (from the order's own history
 *   timestamps), p50/p99 outbox delivery latency (row commit -> Kafka ack, from the services' histograms; direct
 *   mode only: the gateway does not route /metrics),
 * then runs bench/orders/ceiling.pgbench.sql (every write of one order's happy path) with pgbench at the same
 * concurrency and prints the ratio. Short runs on a shared machine: read the numbers as orders of magnitude.
 *
 * After the closed rows (each client waits for its answer), one open-model row: orders arrive at a fixed rate
 * (ORDERS_BENCH_RATE per second, default 100) whatever the answers take, at most ORDERS_BENCH_MAX_OUTSTANDING in
 * flight (an arrival beyond that is counted as not sent, never queued). Direct mode also prints, per row, where
 * accept -> CONFIRMED goes hop by hop (bench/orders/saga-hops.ts), the round trips per order (statements per
 * database, Redis calls, Kafka sends, from the services' counters, less the background rate measured while idle)
 * and each service's event-loop delay p99.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fetchWithRetry } from '@shop/http-retry';
import { eventually, HttpAnswer, readAnswer } from '@shop/testing';
import { SagaSystem } from '../test/saga/support/saga-system';
import { OrderView, Shop } from '../test/saga/support/shop';
import { SignedInCustomers } from '../test/support/sign-in';
import { ordersBenchConfig } from './orders-bench.config';
import { machineCpuBetween, MachineCpuSample, sampleMachineCpu } from './orders/machine-cpu';
import { HopLatencies, HOPS, sagaHopLatencies } from './orders/saga-hops';

const CHEAP_SKUS = ['SKU-0011', 'SKU-0012', 'SKU-0013', 'SKU-0017'];

interface Row {
  /** "16" (closed: clients) or "100/s" (open: offered rate). */
  load: string;
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
  /** The machine's CPU ms (every process at normal priority) per order: the shop's row, and pgbench's run. */
  machineCpuMsPerOrder?: number;
  ceilingCpuMsPerOrder?: number;
  /** Cores busy on average during the row. */
  machineCores?: number;
  hops?: HopLatencies;
  roundTrips?: Map<string, number>;
  eventLoopP99?: Map<string, number>;
  notSent?: number;
}

/**
 * Read from the services' /metrics in one scrape each (direct mode): the COUNTERS by label, and each service's
 * event-loop delay p99 since the previous scrape (prom-client resets it on every scrape).
 */
interface CounterSnapshot {
  counters: Map<string, number>;
  eventLoopP99Ms: Map<string, number>;
}
const SERVICES = ['order-1', 'order-2', 'inventory', 'payment'] as const;
/** What one order costs in round trips, by the counter (summed over the services where it says so). */
const COUNTERS: { label: string; series: string; services: readonly (typeof SERVICES)[number][]; scale?: number; gross?: boolean }[] = [
  { label: 'pg statements (orders db)', series: 'db_client_statements_total', services: ['order-1', 'order-2'] },
  { label: 'pg statements (inventory db)', series: 'db_client_statements_total', services: ['inventory'] },
  { label: 'pg statements (payments db)', series: 'db_client_statements_total', services: ['payment'] },
  { label: 'Redis calls', series: 'idempotency_redis_calls_total', services: ['order-1', 'order-2'] },
  { label: 'Kafka sends (produce requests)', series: 'outbox_publish_duration_seconds_count', services: SERVICES },
  { label: 'Kafka messages consumed', series: 'saga_events_consumed_total', services: SERVICES },
  // CPU time (user + system, prom-client's process_cpu_seconds_total) per order, in ms: what the profiles say
  // the order path costs, without a profiler's overhead. Gross (the idle rate is not taken off): a row's drain
  // can last far longer than the 3 s the idle rate is measured over, and idle CPU is part of the price.
  { label: 'CPU ms order x2', series: 'process_cpu_seconds_total', services: ['order-1', 'order-2'], scale: 1000, gross: true },
  { label: 'CPU ms inventory', series: 'process_cpu_seconds_total', services: ['inventory'], scale: 1000, gross: true },
  { label: 'CPU ms payment', series: 'process_cpu_seconds_total', services: ['payment'], scale: 1000, gross: true },
];

/** Where the orders go: the services started by the bench, or a running gateway. */
interface OrdersTarget {
  /** Gateway mode: signs the demo customers in before the first row. */
  signInAll?(): Promise<void>;
  /** POST /orders/tokens; 201 carries the idempotency key. */
  requestToken(customerId: string): Promise<HttpAnswer>;
  submit(key: string, body: unknown): Promise<HttpAnswer>;
  settled(orderId: string, timeoutMs: number): Promise<OrderView>;
  /** True once no service has an outbox row waiting. */
  outboxesDrained(): Promise<boolean>;
  /** Cumulative bucket counts of `outbox_delivery_latency_seconds`, summed over the services; undefined when not visible. */
  deliveryBuckets(): Promise<Map<number, number> | undefined>;
  /** Direct mode only: the services' round-trip counters and event-loop delay; the saga's hops of some orders. */
  counters?(): Promise<CounterSnapshot>;
  hops?(orderIds: readonly string[]): Promise<HopLatencies>;
  stop(): Promise<void>;
}

async function directTarget(): Promise<OrdersTarget> {
  process.stdout.write(`starting the services (private Kafka, one-node registry, a database each)...\n`);
  const system = await SagaSystem.start();
  const shop = new Shop(system);
  return {
    requestToken: (customerId) => system.call(shop.orderReplica(), 'POST', '/orders/tokens', { body: { customerId } }),
    submit: (key, body) => shop.submit(key, body),
    outboxesDrained: async () => {
      for (const name of ['order-1', 'inventory', 'payment'] as const) if ((await system.call(name, 'GET', '/outbox/stats')).body.pending > 0) return false;
      return true;
    },
    deliveryBuckets: () => deliveryBuckets(system),
    counters: () => readCounters(system),
    hops: (ids) => sagaHopLatencies(system, ids),
    // Read from the database (as the superuser) rather than polled through the API: the polling would add its
    // own statements to the counted round trips.
    settled: async (orderId, timeoutMs) =>
      eventually(
        `order ${orderId} leaves PENDING`,
        async () => {
          const [row] = await system.sql<OrderView>('order', `SELECT id::text, status, history FROM orders WHERE id = $1`, [orderId]);
          return row && row.status !== 'PENDING' ? row : undefined;
        },
        timeoutMs,
        50,
      ),
    stop: () => system.stop(),
  };
}

/**
 * The contract's public API under /api, and the console's GET /api/console/outbox for the services' outboxes,
 * called through the shop's client retry policy.
 */
function gatewayTarget(gateway: string): OrdersTarget {
  process.stdout.write(`sending the orders through the gateway at ${gateway} (its rate limits apply)...\n`);
  // The shop's client retry policy (@shop/http-retry): what a load tool's client retries, a customer's would too.
  // Every /api/* call but the catalog needs a customer's access token: the 100 demo customers sign in once, before
  // the first row (startGatewayTarget), so no sign-in is inside a measured accept.
  const sessions = new SignedInCustomers(gateway, undefined, async (url, init) => (await fetchWithRetry(url, { ...init, repeatable: true })).response);
  const customerOf = new Map<string, string>();
  const call = async (method: string, path: string, as: string | undefined, body?: unknown, idempotencyKey?: string): Promise<HttpAnswer> => {
    const { response: res } = await fetchWithRetry(`${gateway}${path}`, {
      method,
      headers: { ...(as === undefined ? {} : await sessions.headersFor(as)), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      idempotencyKey,
      repeatable: path === '/api/orders/tokens',
    });
    return readAnswer(res);
  };
  return {
    signInAll: () => sessions.signInAll(Array.from({ length: 100 }, (_, i) => `c-${i + 1}`)),
    requestToken: (customerId) => call('POST', '/api/orders/tokens', customerId, { customerId }),
    submit: async (key, body) => {
      const customerId = (body as { customerId: string }).customerId;
      const answer = await call('POST', '/api/orders', customerId, body, key);
      if (answer.status === 201) customerOf.set(answer.body.id as string, customerId);
      return answer;
    },
    settled: (orderId, timeoutMs) =>
      eventually(
        `order ${orderId} leaves PENDING`,
        async () => {
          const res = await call('GET', `/api/orders/${orderId}`, customerOf.get(orderId));
          if (res.status !== 200) throw new Error(`GET /api/orders/${orderId} answered ${res.status}`);
          return res.body.status === 'PENDING' ? undefined : (res.body as OrderView);
        },
        timeoutMs,
        200,
      ),
    outboxesDrained: async () => {
      const { services } = (await call('GET', '/api/console/outbox', undefined)).body as { services: { service: string; ok: boolean; body?: { pending?: number } }[] };
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

function metricsText(system: SagaSystem, name: (typeof SERVICES)[number]): Promise<string> {
  return system.call(name, 'GET', '/metrics').then((res) => res.body as string);
}

/** The sum of every sample of a series (all label sets). */
function sumSeries(text: string, series: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(series)) continue;
    const m = /^([a-zA-Z0-9_:]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (m && m[1] === series) sum += Number(m[3]);
  }
  return sum;
}

async function readCounters(system: SagaSystem): Promise<CounterSnapshot> {
  const texts = new Map<string, string>();
  for (const name of SERVICES) texts.set(name, await metricsText(system, name));
  return {
    counters: new Map(COUNTERS.map((c) => [c.label, (c.scale ?? 1) * c.services.reduce((sum, name) => sum + sumSeries(texts.get(name)!, c.series), 0)])),
    eventLoopP99Ms: new Map(SERVICES.map((name) => [name, sumSeries(texts.get(name)!, 'nodejs_eventloop_lag_p99_seconds') * 1000])),
  };
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

interface Placed {
  accepted: { id: string; ms: number }[];
  failures: Map<string, number>;
}

/** One order as a client places it: a token, then POST /orders (timed). A refusal is counted; `wait` honours Retry-After. */
async function placeOne(target: OrdersTarget, i: number, customerOffset: number, placed: Placed, wait: boolean): Promise<void> {
  // A refused client waits as the answer asks (429/503 Retry-After, at most 2 s), as a well-behaved client would.
  const refused = async (what: string, res: HttpAnswer): Promise<void> => {
    placed.failures.set(what, (placed.failures.get(what) ?? 0) + 1);
    const retryAfterS = Number(res.headers.get('retry-after'));
    if (wait && retryAfterS > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfterS, 2) * 1000));
  };
  const customer = `c-${((customerOffset + i) % 100) + 1}`;
  const token = await target.requestToken(customer);
  if (token.status !== 201) return refused(`token ${token.status}`, token);
  const started = performance.now();
  const res = await target.submit(token.body.token as string, { customerId: customer, items: [{ sku: CHEAP_SKUS[i % CHEAP_SKUS.length]!, quantity: 1 }] });
  const ms = performance.now() - started;
  if (res.status === 201) placed.accepted.push({ id: res.body.id as string, ms });
  else await refused(`order ${res.status}`, res);
}

/** Closed model: `concurrency` clients, each placing its next order once the previous one was answered. */
async function placeFor(target: OrdersTarget, concurrency: number, seconds: number, customerOffset: number): Promise<Placed> {
  const placed: Placed = { accepted: [], failures: new Map() };
  const deadline = Date.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) await placeOne(target, n++, customerOffset, placed, true);
    }),
  );
  return placed;
}

/**
 * Open model: an order arrives every 1/rate s for `seconds`, whether or not the earlier ones were answered (a
 * closed loop would slow down with the system and hide its queueing). At most `maxOutstanding` in flight: an
 * arrival beyond that is not sent and counted.
 */
async function placeAtRate(target: OrdersTarget, rate: number, seconds: number, maxOutstanding: number, customerOffset: number): Promise<Placed & { notSent: number }> {
  const placed: Placed = { accepted: [], failures: new Map() };
  const total = Math.round(rate * seconds);
  const start = performance.now();
  const inFlight = new Set<Promise<void>>();
  let notSent = 0;
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (inFlight.size >= maxOutstanding) {
      notSent++;
      continue;
    }
    const one: Promise<void> = placeOne(target, i, customerOffset, placed, false)
      .catch((error: unknown) => {
        const what = `error ${error instanceof Error ? error.name : 'unknown'}`;
        placed.failures.set(what, (placed.failures.get(what) ?? 0) + 1);
      })
      .finally(() => inFlight.delete(one));
    inFlight.add(one);
  }
  await Promise.all(inFlight);
  return { ...placed, notSent };
}

function pgbenchCeiling(concurrency: number, seconds: number): { tps: number; cpuMsPerOrder?: number } {
  const db = `bench_orders_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`;
  const psql = (args: string[]) => execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args], { stdio: 'pipe', timeout: 60_000 });
  psql(['-d', 'postgres', '-c', `CREATE DATABASE ${db}`]);
  try {
    psql(['-d', db, '-f', join(__dirname, 'orders', 'ceiling.setup.sql')]);
    const cpuBefore = sampleMachineCpu();
    const out = execFileSync(
      'pgbench',
      ['-h', '127.0.0.1', '-U', 'postgres', '-n', '-M', 'extended', '-f', join(__dirname, 'orders', 'ceiling.pgbench.sql'), '-c', String(concurrency), '-j', String(Math.min(concurrency, 2)), '-T', String(seconds), db],
      { encoding: 'utf8', timeout: (seconds + 60) * 1000 },
    );
    const cpu = machineCpuBetween(cpuBefore, sampleMachineCpu());
    const tps = /tps = ([\d.]+)/.exec(out);
    const processed = /number of transactions actually processed: (\d+)/.exec(out);
    if (!tps) throw new Error(`pgbench printed no tps:\n${out}`);
    return { tps: Number(tps[1]), cpuMsPerOrder: cpu && processed ? cpu.busyMs / Number(processed[1]) : undefined };
  } finally {
    psql(['-d', 'postgres', '-c', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`]);
  }
}

/** Waits for every order's saga and the outboxes, and measures what the direct mode can see. */
async function measureRow(
  target: OrdersTarget,
  load: string,
  concurrency: number,
  placed: Placed,
  before: { buckets?: Map<number, number>; counters?: CounterSnapshot; at: number; cpu?: MachineCpuSample },
  background: Map<string, number> | undefined,
): Promise<Row> {
  const { secondsPerRow } = ordersBenchConfig;
  const { accepted, failures } = placed;
  if (failures.size > 0) process.stdout.write(`  ${load}: non-201 answers ${JSON.stringify(Object.fromEntries(failures))}\n`);
  const settled: OrderView[] = [];
  for (const o of accepted) settled.push(await target.settled(o.id, 120_000));
  // The outbox rows of the last events (OrderConfirmed) are published shortly after the order is CONFIRMED.
  await eventually('outboxes drained', () => target.outboxesDrained(), 60_000, 200);
  // Counters first: their scrape reads the event-loop delay since the row began (any scrape resets it).
  const countersAfter = await target.counters?.();
  const after = await target.deliveryBuckets();
  // From the row's first order to its last saga's last outbox row: the whole price of the row's orders.
  const cpu = machineCpuBetween(before.cpu, sampleMachineCpu());
  const elapsedS = (Date.now() - before.at) / 1000;
  const acceptMs = accepted.map((a) => a.ms).sort((a, b) => a - b);
  const confirmMs = settled
    .filter((o) => o.status === 'CONFIRMED')
    .map((o) => Date.parse(o.history[1]!.at) - Date.parse(o.history[0]!.at))
    .sort((a, b) => a - b);
  let roundTrips: Map<string, number> | undefined;
  if (before.counters && countersAfter && accepted.length > 0) {
    roundTrips = new Map();
    for (const [label, value] of countersAfter.counters) {
      const idle = COUNTERS.find((c) => c.label === label)?.gross ? 0 : (background?.get(label) ?? 0) * elapsedS;
      roundTrips.set(label, Math.max(0, value - before.counters.counters.get(label)! - idle) / accepted.length);
    }
  }
  process.stdout.write(`  ${load}: ${accepted.length} orders accepted, ${confirmMs.length} confirmed\n`);
  return {
    load,
    concurrency,
    accepted: accepted.length,
    perSecond: accepted.length / secondsPerRow,
    acceptP50: percentile(acceptMs, 50),
    acceptP99: percentile(acceptMs, 99),
    confirmP50: percentile(confirmMs, 50),
    confirmP99: percentile(confirmMs, 99),
    outboxP50: bucketPercentile(before.buckets, after, 50),
    outboxP99: bucketPercentile(before.buckets, after, 99),
    ceilingTps: 0,
    machineCpuMsPerOrder: cpu && accepted.length > 0 ? cpu.busyMs / accepted.length : undefined,
    machineCores: cpu?.cores,
    hops: await target.hops?.(accepted.map((a) => a.id)),
    roundTrips,
    eventLoopP99: countersAfter?.eventLoopP99Ms,
  };
}

/** The counters' growth per second while no order is placed (sweeper, idle relay polls, health checks). */
async function backgroundRates(target: OrdersTarget, seconds: number): Promise<Map<string, number> | undefined> {
  const first = await target.counters?.();
  if (!first) return undefined;
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const second = (await target.counters?.())!;
  return new Map([...second.counters].map(([label, value]) => [label, (value - first.counters.get(label)!) / seconds]));
}

async function main(): Promise<void> {
  const { secondsPerRow, concurrency, gateway, rate, maxOutstanding } = ordersBenchConfig;
  const target = gateway ? gatewayTarget(gateway) : await directTarget();
  await target.signInAll?.();
  const rows: Row[] = [];
  try {
    const background = await backgroundRates(target, 3);
    let offset = 0;
    const begin = async () => {
      const buckets = await target.deliveryBuckets();
      return { buckets, counters: await target.counters?.(), at: Date.now(), cpu: sampleMachineCpu() };
    };
    for (const c of concurrency) {
      const before = await begin();
      const placed = await placeFor(target, c, secondsPerRow, offset);
      offset += placed.accepted.length;
      rows.push(await measureRow(target, String(c), c, placed, before, background));
    }
    if (rate > 0) {
      const before = await begin();
      const placed = await placeAtRate(target, rate, secondsPerRow, maxOutstanding, offset);
      rows.push({ ...(await measureRow(target, `${rate}/s`, 0, placed, before, background)), notSent: placed.notSent });
    }
  } finally {
    await target.stop();
  }
  for (const row of rows) {
    if (row.concurrency === 0) continue;
    const ceiling = pgbenchCeiling(row.concurrency, secondsPerRow);
    row.ceilingTps = ceiling.tps;
    row.ceilingCpuMsPerOrder = ceiling.cpuMsPerOrder;
  }

  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(n >= 100 ? 0 : 1) : 'n/a');
  const lines = [
    '| clients (or offered rate) | accepted/s | accept p50 / p99 (ms) | accept -> CONFIRMED p50 / p99 (ms) | outbox delivery p50 / p99 | pgbench ceiling (orders/s) | ratio |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.load} | ${f(r.perSecond)} | ${f(r.acceptP50)} / ${f(r.acceptP99)} | ${f(r.confirmP50)} / ${f(r.confirmP99)} | ${r.outboxP50} / ${r.outboxP99} | ${r.ceilingTps > 0 ? f(r.ceilingTps) : 'n/a'} | ${r.ceilingTps > 0 ? `${((100 * r.perSecond) / r.ceilingTps).toFixed(1)} %` : 'n/a'} |`,
    ),
  ];
  const mode = gateway ? `through the gateway at ${gateway}` : 'directly to the services';
  const notes = rows.filter((r) => r.notSent).map((r) => `${r.load}: ${r.notSent} arrivals not sent (more than ${maxOutstanding} in flight)`);
  process.stdout.write(`\n${lines.join('\n')}\n\n${secondsPerRow} s per row, ${mode}; ceiling = ${'bench/orders/ceiling.pgbench.sql'}: every write of one order's saga in one database.${notes.length > 0 ? `\n${notes.join('; ')}` : ''}\n`);

  const cpuRows = rows.filter((r) => r.machineCpuMsPerOrder !== undefined);
  if (cpuRows.length > 0) {
    // When the cores are saturated, orders/s = cores / CPU per order: the pgbench ratio cannot exceed the
    // ratio of the two CPU costs, however the latencies move.
    process.stdout.write(
      [
        '',
        "The machine's CPU per order (every process at normal priority: services, Postgres, Kafka, Redis, the bench's client; niced work not counted):",
        '| load | cores busy | shop CPU ms / order | pgbench CPU ms / order | ratio bound by CPU (pgbench / shop) |',
        '|---:|---:|---:|---:|---:|',
        ...cpuRows.map((r) => {
          const bound = r.ceilingCpuMsPerOrder !== undefined ? `${((100 * r.ceilingCpuMsPerOrder) / r.machineCpuMsPerOrder!).toFixed(1)} %` : 'n/a';
          return `| ${r.load} | ${f(r.machineCores ?? Number.NaN)} | ${f(r.machineCpuMsPerOrder!)} | ${r.ceilingCpuMsPerOrder !== undefined ? f(r.ceilingCpuMsPerOrder) : 'n/a'} | ${bound} |`;
        }),
        '',
      ].join('\n'),
    );
  }
  const hopRows = rows.filter((r) => r.hops);
  if (hopRows.length > 0) {
    process.stdout.write(
      [
        '',
        'Accept -> CONFIRMED hop by hop, p50 / p99 ms (CONFIRMED orders; "outbox": row written -> relay claims it; "Kafka": claim -> the consumer\'s handler starts):',
        `| load | ${HOPS.join(' | ')} |`,
        `|---:|${HOPS.map(() => '---:').join('|')}|`,
        ...hopRows.map((r) => {
          const cells = HOPS.map((h) => {
            const sorted = [...r.hops![h]].sort((a, b) => a - b);
            return `${f(percentile(sorted, 50))} / ${f(percentile(sorted, 99))}`;
          });
          return `| ${r.load} | ${cells.join(' | ')} |`;
        }),
        '',
      ].join('\n'),
    );
  }
  const tripRows = rows.filter((r) => r.roundTrips);
  if (tripRows.length > 0) {
    const labels = [...tripRows[0]!.roundTrips!.keys()];
    const services = [...(tripRows[0]!.eventLoopP99?.keys() ?? [])];
    process.stdout.write(
      [
        '',
        'Round trips and CPU per order (services\' counters, less the idle rate) and event-loop delay p99 (ms) per service:',
        `| load | ${labels.join(' | ')} | ${services.map((s) => `loop p99 ${s}`).join(' | ')} |`,
        `|---:|${labels.map(() => '---:').join('|')}|${services.map(() => '---:').join('|')}|`,
        ...tripRows.map(
          (r) =>
            `| ${r.load} | ${labels.map((l) => r.roundTrips!.get(l)!.toFixed(1)).join(' | ')} | ${services.map((s) => f(r.eventLoopP99?.get(s) ?? Number.NaN)).join(' | ')} |`,
        ),
        '',
      ].join('\n'),
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
