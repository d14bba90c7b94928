/**
 * `npm run chaos`: can the shop keep serving customers while its parts fail (issue "Basically available")?
 * Against the running stack (`npm run stack`), each scenario sends steady order traffic at a fixed arrival rate,
 * injects one fault, and checks the contract's invariants in the databases and the issue's targets. It prints
 * progress, then a table, and writes a report (Markdown, JSON, one SVG timeline per scenario) to
 * test-artifacts/chaos/<time>/ (and test-artifacts/chaos/latest/).
 *
 *   npm run chaos                              # every scenario, about 30 minutes at 20 orders/s
 *   npm run chaos -- --scenario kill-order     # one (repeat the flag, or comma-separate, for several)
 *   npm run chaos -- --list
 *   npm run chaos -- --rate 10 --gateway http://127.0.0.1:8080 --postgres postgres://postgres@127.0.0.1:5432
 *   npm run chaos -- --no-top-up               # do not refill demo balances and stock before each scenario
 *   npm run chaos -- --one-address             # every customer from 127.0.0.1 (one per-IP rate limit for all)
 *
 * Faults need the stack's control endpoint (.data/stack.json, written by `npm run stack`).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stackProcesses } from '../deploy/topology';
import { readStackState, StackControl } from './faults';
import { checkInvariants, Ledger } from './ledger';
import { BreakerSample, FaultSpan, measure, scenarioMarkdown, ScenarioResult, summaryTable, timelineSvg } from './report';
import { latencyProfile } from './profile';
import { FaultContext, Scenario, SCENARIOS } from './scenarios';
import { CHEAP_SKUS, CUSTOMERS, SCARCE_SKU, Traffic } from './traffic';

const ROOT = join(__dirname, '..');
/** Clients keep polling their orders this long after the traffic stops; the databases are then waited on too. */
const SETTLE_MS = 90_000;
const MAX_ORDERS_PER_SCENARIO = 6000;

const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', multiple: true },
    list: { type: 'boolean', default: false },
    rate: { type: 'string' },
    gateway: { type: 'string' },
    postgres: { type: 'string', default: process.env.CHAOS_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432' },
    out: { type: 'string', default: join(ROOT, 'test-artifacts', 'chaos') },
    'no-top-up': { type: 'boolean', default: false },
    'one-address': { type: 'boolean', default: false },
  },
});

const say = (line: string) => process.stdout.write(`chaos | ${line}\n`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const load = () => `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores`;

function selectScenarios(): Scenario[] {
  const wanted = (args.scenario ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  if (wanted.length === 0) return [...SCENARIOS];
  const unknown = wanted.filter((w) => !SCENARIOS.some((s) => s.name === w));
  if (unknown.length > 0) {
    process.stderr.write(`unknown scenario(s): ${unknown.join(', ')}; --list shows them\n`);
    process.exit(2);
  }
  return wanted.map((w) => SCENARIOS.find((s) => s.name === w)!);
}

async function sampleBreakers(gateway: string, samples: BreakerSample[], stop: () => boolean): Promise<void> {
  while (!stop()) {
    try {
      const res = await fetch(`${gateway}/gateway/status`, { signal: AbortSignal.timeout(900) });
      const body = (await res.json()) as { breakers?: { upstream: string; state: string }[] };
      const now = Date.now();
      for (const b of body.breakers ?? []) samples.push({ atMs: now, upstream: b.upstream, state: b.state });
    } catch {
      // the gateway itself may be the fault; its absence shows in the clients' errors
    }
    await sleep(1000);
  }
}

/** Every process running before a scenario; one a failed scenario left stopped or paused is brought back. */
async function waitAllRunning(control: StackControl): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const notRunning = (await control.list()).filter((p) => p.state !== 'running');
    for (const p of notRunning) {
      if (p.state === 'stopped') await control.act(p.name, 'start');
      if (p.state === 'paused') await control.act(p.name, 'resume');
    }
    if (notRunning.length === 0) return;
    if (Date.now() > deadline) throw new Error(`processes not running: ${notRunning.map((p) => `${p.name} ${p.state}`).join(', ')}`);
    say(`waiting for ${notRunning.map((p) => `${p.name} (${p.state})`).join(', ')}`);
    await sleep(2000);
  }
}

async function runScenario(scenario: Scenario, gateway: string, registryUrls: string[], control: StackControl, ledger: Ledger, rateOverride?: number): Promise<{ result: ScenarioResult; samples: BreakerSample[]; profile: unknown }> {
  const rate = rateOverride ?? scenario.rate ?? 20;
  say(`=== ${scenario.name}: ${scenario.title} (${rate} orders/s; ${load()})`);
  await waitAllRunning(control);
  if (!args['no-top-up']) {
    for (const line of await ledger.topUp(CUSTOMERS, 100_000, CHEAP_SKUS, 2000)) say(`top-up: ${line}`);
  }
  const before = await ledger.snapshot();
  const traffic = new Traffic({ gateway, rate, maxOrders: MAX_ORDERS_PER_SCENARIO, duplicateShare: 0.2, impossibleShare: 0.03, addressPerCustomer: !args['one-address'] });
  const faults: FaultSpan[] = [];
  const samples: BreakerSample[] = [];
  let sampling = true;
  const sampler = sampleBreakers(gateway, samples, () => !sampling);
  await traffic.signInAll();
  traffic.start();
  const t0 = traffic.startedAt;
  const rel = () => `${((Date.now() - t0) / 1000).toFixed(0)}s`;
  const progress = setInterval(() => {
    const o = traffic.orders;
    const final = o.filter((a) => a.finalStatus).length;
    say(`[${scenario.name} ${rel()}] sent ${o.length} accepted ${o.filter((a) => a.id).length} final ${final} errors ${traffic.errors.length} retries ${traffic.retries.length} in flight ${traffic.inFlight()}${faults.some((f) => !f.endMs) ? ' | FAULT ON' : ''}`);
  }, 5000);
  const ctx: FaultContext = {
    control,
    gateway,
    registryUrls,
    log: (line) => say(`[${scenario.name} ${rel()}] ${line}`),
    faultStart: (label) => {
      faults.push({ label, startMs: Date.now() });
      say(`[${scenario.name} ${rel()}] fault begins: ${label}`);
    },
    faultEnd: () => {
      const open = faults.find((f) => !f.endMs);
      if (open) open.endMs = Date.now();
      say(`[${scenario.name} ${rel()}] fault ends`);
    },
    sleep,
  };
  let fatal: string | undefined;
  try {
    await sleep(scenario.warmupS * 1000);
    await scenario.inject(ctx);
    await sleep(scenario.recoveryS * 1000);
  } catch (error) {
    fatal = `fault injection failed: ${(error as Error).message}`;
    say(`[${scenario.name}] ${fatal}`);
    for (const f of faults) f.endMs ??= Date.now();
  }
  traffic.stopSending();
  const trafficEndedAtMs = Date.now();
  say(`[${scenario.name} ${rel()}] traffic stopped after ${traffic.orders.length} orders; waiting for every order to end (at most ${SETTLE_MS / 1000}s)`);
  await traffic.settle(Date.now() + SETTLE_MS);
  await traffic.close();
  clearInterval(progress);

  const keys = traffic.orders.map((o) => o.key).filter((k): k is string => k !== undefined);
  const settleDeadline = Date.now() + 60_000;
  let dbOrders = await ledger.ordersByKeys(keys);
  while (dbOrders.some((o) => o.status === 'PENDING') && Date.now() < settleDeadline) {
    await sleep(500);
    dbOrders = await ledger.ordersByKeys(keys);
  }
  const lastFinalMs = Math.max(trafficEndedAtMs, ...dbOrders.map((o) => o.finalAtMs ?? 0));
  const skus = [...before.stock.keys()];
  let reservedBackAfterS: number | undefined;
  const reservedDeadline = Date.now() + 30_000;
  while (Date.now() < reservedDeadline) {
    const reserved = await ledger.reservedTotal(skus);
    if (skus.every((s) => reserved.get(s) === before.stock.get(s)!.reserved)) {
      reservedBackAfterS = Math.max(0, (Date.now() - lastFinalMs) / 1000);
      break;
    }
    await sleep(250);
  }
  sampling = false;
  await sampler;
  const after = await ledger.snapshot();
  const payments = await ledger.paymentsOf(dbOrders.map((o) => o.id));
  const acceptedIds = new Map(traffic.orders.filter((o) => o.id).map((o) => [o.id!, o.key!]));
  const invariants = checkInvariants({ before, after, orders: dbOrders, payments, acceptedIds, idsPerKey: traffic.idsPerKey, reservedBackAfterS });
  const result = measure({
    name: scenario.name,
    title: scenario.title,
    rate,
    targets: scenario.targets,
    startedAtMs: t0,
    trafficEndedAtMs,
    faults,
    attempts: traffic.orders,
    errors: traffic.errors,
    retries: traffic.retries.length,
    dbOrders,
    breakerSamples: samples,
    invariants,
    load: load(),
  });
  if (fatal) result.fatal = fatal;
  const met = result.targets.filter((t) => t.ok).length;
  say(`[${scenario.name}] done: ${result.accepted}/${result.attempted} accepted, ${result.confirmed} CONFIRMED, cancelled ${JSON.stringify(result.cancelledByReason)}, ${traffic.errors.length} client-visible errors; targets met ${met}/${result.targets.length}; invariants ${result.invariants.every((i) => i.ok) ? 'hold' : 'BROKEN'}`);
  return { result, samples, profile: latencyProfile(traffic, faults) };
}

async function main(): Promise<void> {
  if (args.list) {
    for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(22)} ${s.title}\n`);
    return;
  }
  const scenarios = selectScenarios();
  const state = readStackState();
  const gateway = (args.gateway ?? state?.gateway ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const registryUrls = stackProcesses()
    .filter((p) => p.app === 'registry')
    .map((p) => `http://127.0.0.1:${p.port}`);
  const rate = args.rate === undefined ? undefined : Number(args.rate);
  if (rate !== undefined && !(rate > 0 && rate <= 200)) throw new Error('--rate must be a number of orders per second in (0, 200]');
  const control = StackControl.fromDisk();
  const ledger = await Ledger.open(args.postgres);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = join(args.out, stamp);
  mkdirSync(outDir, { recursive: true });
  say(`${scenarios.length} scenario(s) against ${gateway}; report in ${outDir}`);
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of scenarios) {
      let outcome: { result: ScenarioResult; samples: BreakerSample[]; profile: unknown };
      try {
        outcome = await runScenario(scenario, gateway, registryUrls, control, ledger, rate);
      } catch (error) {
        say(`[${scenario.name}] could not run: ${(error as Error).message}`);
        results.push({ name: scenario.name, title: scenario.title, fatal: (error as Error).message } as ScenarioResult);
        continue;
      }
      results.push(outcome.result);
      writeFileSync(join(outDir, `${scenario.name}.svg`), timelineSvg(outcome.result, outcome.samples));
      writeFileSync(join(outDir, `${scenario.name}.profile.json`), `${JSON.stringify(outcome.profile, null, 2)}\n`);
      writeReport(outDir, results);
    }
  } finally {
    await ledger.close();
  }
  writeReport(outDir, results);
  const latest = join(args.out, 'latest');
  rmSync(latest, { recursive: true, force: true });
  cpSync(outDir, latest, { recursive: true });
  process.stdout.write(`\n${summaryTable(results)}\n\nreport: ${join(outDir, 'report.md')} (also ${latest})\n`);
  const failed = results.filter((r) => r.fatal || !r.invariants.every((i) => i.ok));
  if (failed.length > 0) process.exitCode = 1;
}

function writeReport(outDir: string, results: readonly ScenarioResult[]): void {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  const md = [
    `# npm run chaos: ${new Date().toISOString()}`,
    '',
    `Commit ${commit}; ${load()} at the end. Clients: @shop/http-retry's default policy; 20 % of orders sent twice with one key, 3 % impossible (${SCARCE_SKU} x100).`,
    '',
    summaryTable(results),
    '',
    ...results.map(scenarioMarkdown),
  ].join('\n');
  writeFileSync(join(outDir, 'report.md'), md);
  writeFileSync(join(outDir, 'report.json'), `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`chaos: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
