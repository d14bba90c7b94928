// `npm run load`: puts load on a running shop through its gateway and writes one HTML report and its JSON
// (docs/load-testing.md). A thin entry: the engine, scenarios, thresholds and report are @shop/load.
//
//   npm run load -- --scenario browse --rate 200 --duration 30s --threshold 'p99<500ms' --threshold 'errors<0.1%'
//   npm run load -- --scenario checkout --stages 10s@0-50,30s@50
//   npm run load -- --scenario mix --mix browse=8,checkout=2 --vus 20 --duration 1m
//   npm run load -- --scenario ./my-scenario.json --reset
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildReport,
  builtInScenarios,
  ClosedModel,
  OpenModel,
  parseMix,
  parseStages,
  parseThreshold,
  progressLine,
  renderHtmlReport,
  runLoad,
  Scenario,
  scenarioFromFile,
  summaryTable,
} from '@shop/load';

const HELP = `usage: npm run load -- [options]
  --url URL              the gateway (default http://127.0.0.1:8080)
  --scenario NAME|FILE   browse | checkout | mix | a .json or .ts scenario file (default browse)
  --mix browse=8,checkout=2   weights of the mix scenario
  open model (default):  --rate N --duration 30s   or   --stages 10s@0-200,30s@200,5s@200-0
  closed model:          --vus N --duration 30s [--ramp-up 5s]
  --max-in-flight N      iterations in flight at most (default 1000; beyond: counted as dropped)
  --max-duration 2m      hard stop, drain included (default: the model's duration + 35 s)
  --iterations N         stop after N iterations
  --timeout 10s          per request
  --threshold EXPR       repeatable: p99<500ms, p(95)<200, avg<100ms, errors<0.1%, rate>=490, rate_limited<1%, dropped==0
  --out PATH             report files PATH.html and PATH.json (default load-reports/load-<time>)
  --password P           demo customers' password (default $DEMO_CUSTOMER_PASSWORD or shop-demo)
  --customers N          act as c-1 .. c-N (default 100)
  --reset                reset the demo data first (POST /gateway/admin/demo/reset; needs the admin token:
                         --admin-token, $ADMIN_TOKEN or .data/secrets.env)
  --seed N               seed of the scenarios' random choices
  --quiet                no progress line
Exit status: 0 when every threshold passed, 1 when one failed, 2 on bad usage or when the reset is refused.`;

const FLAGS = new Set(['reset', 'quiet', 'help']);

function parseArgs(argv: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const value = FLAGS.has(name) ? 'true' : (inline ?? argv[++i]);
    if (value === undefined) throw new Error(`--${name} needs a value`);
    out.set(name, [...(out.get(name) ?? []), value]);
  }
  return out;
}

function seconds(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!m) throw new Error(`${what} must look like 30s, 500ms or 2m`);
  return Number(m[1]) * (m[2] === 'ms' ? 0.001 : m[2] === 'm' ? 60 : 1);
}

function positive(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${what} must be a number > 0, got ${text}`);
  return n;
}

function loadScenario(name: string, mixText: string | undefined): Scenario {
  const builtIns = builtInScenarios();
  if (name === 'mix') return parseMix(mixText ?? 'browse=8,checkout=2', builtIns);
  if (builtIns[name]) return builtIns[name];
  const file = path.resolve(name);
  if (file.endsWith('.json')) return scenarioFromFile(JSON.parse(readFileSync(file, 'utf8')));
  if (file.endsWith('.ts') || file.endsWith('.js')) {
    // A code scenario: its default export (or `scenario`) is a Scenario { name, run(ctx) }.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file) as { default?: Scenario; scenario?: Scenario };
    const scenario = mod.default ?? mod.scenario;
    if (!scenario || typeof scenario.run !== 'function') throw new Error(`${name} must export a Scenario {name, run(ctx)} as default`);
    return scenario;
  }
  throw new Error(`unknown scenario ${name}: browse, checkout, mix, or a .json / .ts file`);
}

function adminToken(given: string | undefined): string | undefined {
  if (given) return given;
  if (process.env['ADMIN_TOKEN']) return process.env['ADMIN_TOKEN'];
  try {
    return /^ADMIN_TOKEN=(.+)$/m.exec(readFileSync(path.join(__dirname, '..', '.data', 'secrets.env'), 'utf8'))?.[1]?.trim();
  } catch {
    return undefined;
  }
}

async function resetDemo(url: string, token: string | undefined): Promise<void> {
  if (!token) throw new Error('--reset needs the admin token (--admin-token, $ADMIN_TOKEN or .data/secrets.env)');
  const res = await fetch(`${url}/gateway/admin/demo/reset`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`demo reset refused: ${res.status} ${text.slice(0, 500)}`);
  console.log(`demo reset: ${text.slice(0, 500)}`);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const one = (k: string) => args.get(k)?.at(-1);
  if (one('help')) {
    console.log(HELP);
    return 0;
  }
  const url = (one('url') ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const scenarioName = one('scenario') ?? 'browse';
  const scenario = loadScenario(scenarioName, one('mix'));
  const duration = one('duration') ? seconds(one('duration')!, '--duration') : 30;
  let model: OpenModel | ClosedModel;
  let modelText: string;
  if (one('vus')) {
    const vus = positive(one('vus'), '--vus')!;
    model = { kind: 'closed', vus, durationS: duration, rampUpS: one('ramp-up') ? seconds(one('ramp-up')!, '--ramp-up') : 0 };
    modelText = `closed model, ${vus} virtual users for ${duration} s`;
  } else {
    const rate = positive(one('rate'), '--rate') ?? 50;
    const stages = one('stages') ? parseStages(one('stages')!) : [{ durationS: duration, from: rate, to: rate }];
    model = { kind: 'open', stages };
    modelText = `open model, ${stages.map((s) => (s.from === s.to ? `${s.durationS}s@${s.from}/s` : `${s.durationS}s@${s.from}-${s.to}/s`)).join(', ')}`;
  }
  const thresholds = args.get('threshold') ?? [];
  thresholds.forEach(parseThreshold); // a typo fails now, not after the run
  const out = one('out') ?? path.join('load-reports', `load-${new Date().toISOString().replace(/[:.]/g, '-')}`);

  if (one('reset')) await resetDemo(url, adminToken(one('admin-token')));

  const tty = process.stdout.isTTY && !one('quiet');
  let lastPrinted = 0;
  const stopper = new AbortController();
  process.once('SIGINT', () => stopper.abort());
  const run = await runLoad({
    baseUrl: url,
    scenario,
    model,
    maxInFlight: positive(one('max-in-flight'), '--max-in-flight'),
    maxIterations: positive(one('iterations'), '--iterations'),
    maxDurationS: one('max-duration') ? seconds(one('max-duration')!, '--max-duration') : undefined,
    requestTimeoutMs: one('timeout') ? seconds(one('timeout')!, '--timeout') * 1000 : undefined,
    customers: positive(one('customers'), '--customers'),
    password: one('password') ?? process.env['DEMO_CUSTOMER_PASSWORD'] ?? 'shop-demo',
    seed: one('seed') ? Number(one('seed')) : undefined,
    signal: stopper.signal,
    onProgress: (p) => {
      if (one('quiet')) return;
      if (tty) process.stdout.write(`\r${progressLine(p).padEnd(120)}`);
      else if (p.elapsedS - lastPrinted >= 5) {
        lastPrinted = p.elapsedS;
        console.log(progressLine(p));
      }
    },
  });
  if (tty) process.stdout.write('\n');
  const report = buildReport(run, { baseUrl: url, scenario: scenario.name, model: modelText, thresholds });
  mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  writeFileSync(`${out}.json`, JSON.stringify(report, null, 2));
  writeFileSync(`${out}.html`, renderHtmlReport(report));
  console.log(summaryTable(report));
  console.log(`\nreport: ${out}.html (data: ${out}.json)`);
  return report.passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`load: ${error.message}`);
    process.exit(2);
  },
);
