/**
 * npm run bench:gateway: one minimal upstream, measured in one run through each proxy (each ONE process):
 * direct, the gateway (routing, balancing, every rate limit algorithm on but not limiting, breaker),
 * a bare @fastify/reply-from proxy, and nginx (one worker, upstream keepalive) when installed.
 * Throughput with wrk when installed (else autocannon), latency at a fixed rate with autocannon -R
 * (so coordinated omission cannot hide queueing). Prints req/s, p50, p99 and the ratios.
 */
import { ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE_FLAGS } from '../deploy/topology';
import { OtlpReceiver } from '../test/support/otlp-receiver';
// autocannon ships no types; the two result fields used here are typed at the call sites.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<AutocannonResult>;

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
}

const PORTS = {
  upstream: 19301, gateway: 19302, replyFrom: 19303, nginx: 19304, gatewayNoLimits: 19305, gatewayNoLeaky: 19306, gatewayNoLease: 19307,
  gatewayTraced1: 19308, gatewayTraced100: 19309, otlp: 19310,
};
/**
 * GATEWAY_BENCH_TRACING=1: the cost of tracing instead: the gateway without tracing, with 1 % and with 100 % of
 * requests traced (spans exported over OTLP/HTTP to an in-process receiver), interleaved like the peers.
 * GATEWAY_BENCH_ROUNDS: fewer rounds for a short run (default 9).
 */
const TRACING_MODE = process.env.GATEWAY_BENCH_TRACING === '1';
const ROUNDS = Math.max(1, Math.min(50, Number(process.env.GATEWAY_BENCH_ROUNDS ?? 9) || 9));
const ROUND_SECONDS = 2;
const FIXED_RATE = 3000;
const FIXED_RATE_SECONDS = 4;
const CONNECTIONS = 64;
const PATH_DIRECT = '/products/sku-1';
const PATH_PROXIED = '/api/products/sku-1';

const children: ChildProcess[] = [];
const work = mkdtempSync(join(tmpdir(), 'gateway-bench-'));

function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function waitForHttp(port: number, path: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const req = request({ host: '127.0.0.1', port, path, timeout: 1000 }, (res) => {
        res.resume();
        if (res.statusCode === 200) resolve();
        else retry();
      });
      req.on('error', retry);
      req.end();
    };
    const retry = () => (Date.now() > deadline ? reject(new Error(`nothing answered 200 on ${port}${path}`)) : setTimeout(attempt, 200));
    attempt();
  });
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

function startNode(script: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = fork(script, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.push(child);
  return child;
}

interface Result {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  fixedP50: number;
  fixedP99: number;
  errors: number;
}

/** wrk's latency percentiles come in units (us, ms, s): normalise to ms. */
function wrkMs(text: string, label: string): number {
  const m = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s)`, 'm').exec(text);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

async function throughput(url: string, seconds: number): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  if (has('wrk')) {
    const out = execFileSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', url], { encoding: 'utf8' });
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
    const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
    const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const errors = non2xx + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
    return { rps, p50: wrkMs(out, '50%'), p99: wrkMs(out, '99%'), errors };
  }
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

async function fixedRate(url: string): Promise<{ p50: number; p99: number; errors: number }> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: FIXED_RATE_SECONDS, overallRate: FIXED_RATE });
  return { p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

const median = <T>(xs: T[], by: (x: T) => number): T => [...xs].sort((a, b) => by(a) - by(b))[Math.floor(xs.length / 2)]!;

/**
 * The machine is shared (other processes come and go, the cores' speed drifts), so the targets take turns:
 * ROUNDS short throughput runs each, interleaved, the order reversed every other round (no target always
 * first or last), and the median round counts; then one fixed-rate run each. Ratios are taken per round,
 * between runs seconds apart, and their median is reported with their range: a ratio of two medians
 * measured a minute apart would mostly measure the drift.
 */
async function measureAll(targets: { name: string; url: string }[]): Promise<{ results: Result[]; perRound: Map<string, number[]> }> {
  for (const t of targets) await autocannon({ url: t.url, connections: CONNECTIONS, duration: 1 }); // warm-up: JIT, pools
  const rounds = new Map<string, { rps: number; p50: number; p99: number; errors: number }[]>(targets.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) rounds.get(t.name)!.push(await throughput(t.url, ROUND_SECONDS));
    process.stdout.write(`  round ${round + 1}: ${targets.map((t) => `${t.name} ${Math.round(rounds.get(t.name)![round]!.rps)}`).join(', ')} req/s\n`);
  }
  const results: Result[] = [];
  for (const t of targets) {
    const runs = rounds.get(t.name)!;
    const mid = median(runs, (r) => r.rps);
    const f = await fixedRate(t.url);
    results.push({ name: t.name, rps: mid.rps, p50: mid.p50, p99: mid.p99, fixedP50: f.p50, fixedP99: f.p99, errors: runs.reduce((a, r) => a + r.errors, 0) + f.errors });
  }
  return { results, perRound: new Map([...rounds].map(([name, runs]) => [name, runs.map((r) => r.rps)])) };
}

/**
 * Every algorithm on, none limiting: the limits are far above what one machine can send. Each policy takes allowances of
 * up to 256 permits per Redis call (`leaseSize`, see docs/gateway.md): enough to cover the requests that
 * arrive during one Redis round trip at 64 connections; the leaky bucket (1 000 000/s) takes an outflow share
 * of up to 62 departures per ms (1/16 of its outflow).
 */
const notLimiting = [
  { name: 'bench-fixed', algorithm: 'fixed-window', match: { pathPrefix: '/api/' }, key: 'global', limit: 1_000_000_000, windowMs: 1000, leaseSize: 256 },
  { name: 'bench-sliding', algorithm: 'sliding-window', match: { pathPrefix: '/api/' }, key: 'ip', limit: 10_000, windowMs: 100, leaseSize: 256 },
  { name: 'bench-token', algorithm: 'token-bucket', match: { pathPrefix: '/api/' }, key: 'ip', capacity: 1_000_000, refillPerSec: 1_000_000, leaseSize: 256 },
  {
    name: 'bench-leaky',
    algorithm: 'leaky-bucket',
    match: { methods: ['GET'], pathPrefix: '/api/products' },
    key: 'global',
    ratePerSec: 1_000_000,
    queue: 1000,
    leaseSize: 256,
  },
];

/** The gateway with every policy on, untraced and traced at 1 % and 100 %, side by side in one run. */
async function measureTracingCost(upstream: string, startGateway: (port: number, rateLimits: unknown[], env?: Record<string, string>) => void): Promise<void> {
  const receiver = new OtlpReceiver(false);
  const endpoint = await receiver.start(PORTS.otlp);
  const traced = (ratio: string) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: ratio });
  startGateway(PORTS.gateway, notLimiting);
  startGateway(PORTS.gatewayTraced1, notLimiting, traced('0.01'));
  startGateway(PORTS.gatewayTraced100, notLimiting, traced('1'));
  await Promise.all([PORTS.gateway, PORTS.gatewayTraced1, PORTS.gatewayTraced100].map((port) => waitForHttp(port, PATH_PROXIED)));
  process.stdout.write(
    `gateway tracing cost: ${CONNECTIONS} connections; throughput ${ROUNDS} interleaved rounds of ${ROUND_SECONDS}s, median shown; latency ${FIXED_RATE_SECONDS}s at ${FIXED_RATE} req/s (autocannon -R)\n`,
  );
  const { results, perRound } = await measureAll([
    { name: 'direct', url: `${upstream}${PATH_DIRECT}` },
    { name: 'gateway, tracing off', url: `http://127.0.0.1:${PORTS.gateway}${PATH_PROXIED}` },
    { name: 'gateway, tracing 1 %', url: `http://127.0.0.1:${PORTS.gatewayTraced1}${PATH_PROXIED}` },
    { name: 'gateway, tracing 100 %', url: `http://127.0.0.1:${PORTS.gatewayTraced100}${PATH_PROXIED}` },
  ]);
  // The batch processor exports every second or so: wait for the last batches before counting.
  await new Promise((r) => setTimeout(r, 6000));
  const off = perRound.get('gateway, tracing off')!;
  const lines = [
    '| target | req/s | p50 ms | p99 ms | p50 ms @fixed | p99 ms @fixed | throughput vs tracing off (median of rounds) | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => {
      const mine = perRound.get(r.name)!;
      const ratios = mine.map((rps, i) => rps / off[i]!).sort((a, b) => a - b);
      const median = ratios[Math.floor(ratios.length / 2)]!;
      return `| ${r.name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.fixedP50} | ${r.fixedP99} | ${median.toFixed(2)} | ${r.errors} |`;
    }),
  ];
  process.stdout.write(`${lines.join('\n')}\nspans received by the OTLP receiver: ${receiver.received} in ${receiver.requests} export requests\n`);
  await receiver.stop();
}

async function main(): Promise<void> {
  const upstream = `http://127.0.0.1:${PORTS.upstream}`;
  startNode(join(__dirname, 'gateway', 'upstream.js'), [String(PORTS.upstream)]);
  await waitForHttp(PORTS.upstream, PATH_DIRECT);

  // Four gateways: every policy on (the measured one; the leaky bucket, far faster than the traffic, takes a
  // share of its outflow per ms); all but the leaky bucket, with allowances and without (leaseSize 1: what allowances
  // give, within one run); none.
  const startGateway = (port: number, rateLimits: unknown[], extraEnv: Record<string, string> = {}) => {
    const discovery = join(work, `discovery-${port}.json`);
    writeFileSync(
      discovery,
      JSON.stringify({
        services: { inventory: [{ id: 'bench-upstream', address: '127.0.0.1', port: PORTS.upstream, meta: {} }] },
        config: {
          'config/gateway/routes': { products: { service: 'inventory', balancer: 'least-outstanding' } },
          'config/gateway/rate-limits': rateLimits,
          'config/gateway/breakers': { default: { timeout: 5000, slowCallMs: 1000 } },
        },
      }),
    );
    start(process.execPath, [...NODE_FLAGS.gateway!, '-r', './scripts/ts-register.js', 'apps/gateway/src/main.ts'], {
      PORT: String(port),
      DISCOVERY_FILE: discovery,
      ADMIN_TOKEN: 'bench-admin-token',
      REDIS_URL: 'redis://127.0.0.1:6379',
      NODE_ENV: 'production',
      ...extraEnv,
    });
  };
  if (TRACING_MODE) return measureTracingCost(upstream, startGateway);
  startGateway(PORTS.gateway, notLimiting);
  startGateway(PORTS.gatewayNoLimits, []);
  const leasable = notLimiting.filter((p) => p.algorithm !== 'leaky-bucket');
  startGateway(PORTS.gatewayNoLeaky, leasable);
  startGateway(PORTS.gatewayNoLease, leasable.map((p) => ({ ...p, leaseSize: 1 })));
  startNode(join(__dirname, 'gateway', 'reply-from-proxy.js'), [String(PORTS.replyFrom), String(PORTS.upstream)]);
  const nginx = has('nginx');
  if (nginx) {
    const conf = join(work, 'nginx.conf');
    writeFileSync(
      conf,
      `worker_processes 1; daemon off; pid ${work}/nginx.pid; error_log ${work}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${work}/body; proxy_temp_path ${work}/proxy;
  fastcgi_temp_path ${work}/fastcgi; uwsgi_temp_path ${work}/uwsgi; scgi_temp_path ${work}/scgi;
  upstream app { server 127.0.0.1:${PORTS.upstream}; keepalive 64; }
  server {
    listen 127.0.0.1:${PORTS.nginx};
    location /api/ { proxy_pass http://app/; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`,
    );
    start('nginx', ['-c', conf, '-p', work]);
  }
  await Promise.all([
    waitForHttp(PORTS.gateway, PATH_PROXIED),
    waitForHttp(PORTS.gatewayNoLimits, PATH_PROXIED),
    waitForHttp(PORTS.gatewayNoLeaky, PATH_PROXIED),
    waitForHttp(PORTS.gatewayNoLease, PATH_PROXIED),
    waitForHttp(PORTS.replyFrom, PATH_PROXIED),
    ...(nginx ? [waitForHttp(PORTS.nginx, PATH_PROXIED)] : []),
  ]);

  process.stdout.write(
    `gateway benchmark: ${CONNECTIONS} connections; throughput ${ROUNDS} interleaved rounds of ${ROUND_SECONDS}s (${has('wrk') ? 'wrk' : 'autocannon'}), median shown, ratios per round (median, range); latency ${FIXED_RATE_SECONDS}s at ${FIXED_RATE} req/s (autocannon -R)\n`,
  );
  // The gateway next to the peer it is compared with, so that their runs of a round are seconds apart.
  const { results, perRound } = await measureAll([
    { name: 'direct', url: `${upstream}${PATH_DIRECT}` },
    { name: 'gateway, no leaky bucket', url: `http://127.0.0.1:${PORTS.gatewayNoLeaky}${PATH_PROXIED}` },
    { name: 'gateway, no leaky bucket, leaseSize 1', url: `http://127.0.0.1:${PORTS.gatewayNoLease}${PATH_PROXIED}` },
    { name: 'gateway', url: `http://127.0.0.1:${PORTS.gateway}${PATH_PROXIED}` },
    { name: 'reply-from', url: `http://127.0.0.1:${PORTS.replyFrom}${PATH_PROXIED}` },
    { name: 'gateway, no rate limits', url: `http://127.0.0.1:${PORTS.gatewayNoLimits}${PATH_PROXIED}` },
    ...(nginx ? [{ name: 'nginx', url: `http://127.0.0.1:${PORTS.nginx}${PATH_PROXIED}` }] : []),
  ]);

  const rateLimitStatus = async (port: number) => {
    const status = await new Promise<string>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/gateway/status' }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c));
        res.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    return (
      JSON.parse(status) as {
        rateLimits: {
          policies: { name: string; stats: { admitted: number; rejected: number } }[];
          redis: { scriptCalls: number; requestsDecided: number; decidedFromLeases: number };
        };
      }
    ).rateLimits;
  };
  const { policies, redis } = await rateLimitStatus(PORTS.gateway);
  const noLeaky = (await rateLimitStatus(PORTS.gatewayNoLeaky)).redis;

  const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
  const lines = [
    row(['target', 'req/s', 'p50 ms', 'p99 ms', `p50 ms @${FIXED_RATE}/s`, `p99 ms @${FIXED_RATE}/s`, 'errors']),
    row(['---', '---', '---', '---', '---', '---', '---']),
    ...results.map((r) => row([r.name, Math.round(r.rps), f1(r.p50), f1(r.p99), f1(r.fixedP50), f1(r.fixedP99), r.errors])),
  ];
  // The median of the per-round ratios, and their range.
  const ratio = (a: string, b: string) => {
    const xs = perRound.get(a);
    const ys = perRound.get(b);
    if (!xs || !ys) return 'n/a';
    const ratios = xs.map((x, i) => x / ys[i]!).sort((p, q) => p - q);
    return `${median(ratios, (r) => r).toFixed(2)}x (rounds ${ratios[0]!.toFixed(2)}-${ratios[ratios.length - 1]!.toFixed(2)})`;
  };
  lines.push('', `gateway/reply-from ${ratio('gateway', 'reply-from')}   gateway/nginx ${ratio('gateway', 'nginx')}   gateway/direct ${ratio('gateway', 'direct')}`);
  lines.push(
    `without the leaky bucket: gateway/reply-from ${ratio('gateway, no leaky bucket', 'reply-from')}, with leaseSize 1 ${ratio('gateway, no leaky bucket, leaseSize 1', 'reply-from')}`,
  );
  lines.push(`without rate limits: gateway/reply-from ${ratio('gateway, no rate limits', 'reply-from')}   gateway/nginx ${ratio('gateway, no rate limits', 'nginx')}`);
  lines.push(
    `redis: ${redis.requestsDecided} requests decided in ${redis.scriptCalls} script calls (${(redis.requestsDecided / Math.max(1, redis.scriptCalls)).toFixed(1)} requests per round trip); ${redis.decidedFromLeases} decided by allowance permits alone, without Redis`,
  );
  lines.push(
    `without the leaky bucket: ${noLeaky.decidedFromLeases} requests decided by allowance permits alone, ${noLeaky.requestsDecided} decisions (requests and allowances taken ahead) in ${noLeaky.scriptCalls} script calls`,
  );
  lines.push(`rate limit policies during the run (none may reject): ${policies.map((p) => `${p.name} ${p.stats.admitted}/${p.stats.rejected}`).join(', ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

function stopAll(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(stopAll);
