/**
 * `npm run bench:registry`: the registry cluster (three real processes on 127.0.0.1, fsync on) over HTTP, and,
 * when an `etcd` binary is on PATH, a three-member etcd on 127.0.0.1 (fsync on, its defaults) through its JSON
 * gateway, with the same workload in the same run:
 *   PUT  a small JSON value to one of 1000 keys;  GET  one of those keys, linearizable (ours: ReadIndex; etcd:
 *   its default range, also linearizable).
 * at 1, 16 and 64 concurrent clients (each sends, waits for the answer, repeats), sent to the leader (our
 * clients follow X-Raft-Leader; etcd clients talk to any member, the leader is the fair comparison).
 * Prints requests/s, p50 and p99 per row, and our/etcd ratios; both clusters run at once and each row is
 * measured on ours and then on etcd, so that a ratio compares the two under the same machine load.
 * REGISTRY_BENCH_SECONDS sets a row's length.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { eventually, freePort, stopChild } from '@shop/testing';
import { registryBenchConfig } from './registry-bench.config';

const TOKEN = 'bench-registry-token';
const CONCURRENCY = [1, 16, 64];
const KEYS = 1000;
const root = join(__dirname, '..');

interface Row {
  system: string;
  op: 'PUT' | 'GET';
  clients: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

interface Target {
  name: string;
  put(pool: Pool, n: number): Promise<boolean>;
  get(pool: Pool, n: number): Promise<boolean>;
}

async function json<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(3000) });
  return (await res.json()) as T;
}

function stopAll(procs: ChildProcess[]): Promise<unknown> {
  return Promise.all(procs.map((p) => stopChild(p, { graceMs: 5000 })));
}

async function startRegistry(dir: string): Promise<{ leaderUrl: string; procs: ChildProcess[] }> {
  const ports = [await freePort(), await freePort(), await freePort()];
  const peers = ports.map((p, i) => `n${i + 1}=http://127.0.0.1:${p}`).join(',');
  const procs = ports.map((port, i) =>
    spawn(process.execPath, ['-r', './scripts/ts-register.js', 'apps/registry/src/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        REGISTRY_NODE_ID: `n${i + 1}`,
        REGISTRY_PEERS: peers,
        REGISTRY_DATA_DIR: join(dir, `n${i + 1}`),
        RAFT_SECRET: 'bench-raft-secret',
        REGISTRY_TOKEN: TOKEN,
      },
      stdio: 'ignore',
    }),
  );
  const leaderUrl = await eventually('registry leader', async () => {
    const view = await json<{ leaderUrl?: string }>(`http://127.0.0.1:${ports[0]}/v1/cluster`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return view.leaderUrl ?? undefined;
  }, 60_000, 200);
  return { leaderUrl, procs };
}

async function startEtcd(binary: string, dir: string): Promise<{ leaderUrl: string; procs: ChildProcess[] }> {
  const members: { name: string; client: number; peer: number }[] = [];
  for (let i = 1; i <= 3; i++) members.push({ name: `e${i}`, client: await freePort(), peer: await freePort() });
  const cluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(',');
  const procs = members.map((m) =>
    spawn(
      binary,
      [
        '--name', m.name,
        '--data-dir', join(dir, m.name),
        '--listen-client-urls', `http://127.0.0.1:${m.client}`,
        '--advertise-client-urls', `http://127.0.0.1:${m.client}`,
        '--listen-peer-urls', `http://127.0.0.1:${m.peer}`,
        '--initial-advertise-peer-urls', `http://127.0.0.1:${m.peer}`,
        '--initial-cluster', cluster,
        '--initial-cluster-state', 'new',
        '--initial-cluster-token', `bench-${process.pid}`,
        '--log-level', 'error',
      ],
      { stdio: 'ignore' },
    ),
  );
  const leaderUrl = await eventually('etcd leader', async () => {
    for (const m of members) {
      const status = await json<{ leader?: string; header?: { member_id?: string } }>(`http://127.0.0.1:${m.client}/v3/maintenance/status`, { method: 'POST', body: '{}' });
      if (status.leader && status.leader === status.header?.member_id) return `http://127.0.0.1:${m.client}`;
    }
    return undefined;
  }, 60_000, 200);
  return { leaderUrl, procs };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const value = JSON.stringify({ value: { host: '10.0.0.7', port: 3001, weight: 5 } });

const ours: Target = {
  name: 'registry',
  async put(pool, n) {
    const res = await pool.request({ method: 'PUT', path: `/v1/kv/bench/k${n % KEYS}`, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: value });
    await res.body.dump();
    return res.statusCode === 200;
  },
  async get(pool, n) {
    const res = await pool.request({ method: 'GET', path: `/v1/kv/bench/k${n % KEYS}`, headers: { authorization: `Bearer ${TOKEN}` } });
    await res.body.dump();
    return res.statusCode === 200;
  },
};

const etcd: Target = {
  name: 'etcd',
  async put(pool, n) {
    const res = await pool.request({ method: 'POST', path: '/v3/kv/put', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: b64(`bench/k${n % KEYS}`), value: b64(value) }) });
    await res.body.dump();
    return res.statusCode === 200;
  },
  async get(pool, n) {
    const res = await pool.request({ method: 'POST', path: '/v3/kv/range', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: b64(`bench/k${n % KEYS}`) }) });
    await res.body.dump();
    return res.statusCode === 200;
  },
};

async function runRow(target: Target, url: string, op: 'PUT' | 'GET', clients: number, seconds: number): Promise<Row> {
  const pool = new Pool(url, { connections: clients, pipelining: 1, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const send = op === 'PUT' ? target.put : target.get;
  const latencies: number[] = [];
  let errors = 0;
  let counter = 0;
  const warmupEnd = performance.now() + 500;
  const end = warmupEnd + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        let ok: boolean;
        try {
          ok = await send(pool, counter++);
        } catch {
          ok = false;
        }
        const finished = performance.now();
        if (started < warmupEnd) continue;
        if (ok) latencies.push(finished - started);
        else errors++;
      }
    }),
  );
  await pool.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  return { system: target.name, op, clients, rps: latencies.length / seconds, p50: pct(0.5), p99: pct(0.99), errors };
}

/**
 * Each row runs on every system back to back before the next row starts, so that both see about the same
 * machine: on a shared 2-core machine the load changes within a minute, and a ratio of rows measured a minute
 * apart would mostly measure that.
 */
async function runSystems(systems: { target: Target; url: string }[], seconds: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const op of ['PUT', 'GET'] as const) {
    for (const clients of CONCURRENCY) {
      for (const { target, url } of systems) {
        const row = await runRow(target, url, op, clients, seconds);
        console.log(`  ${target.name.padEnd(8)} ${op} x${String(clients).padEnd(3)} ${row.rps.toFixed(0).padStart(6)} req/s  p50 ${row.p50.toFixed(2)} ms  p99 ${row.p99.toFixed(2)} ms  errors ${row.errors}`);
        rows.push(row);
      }
    }
  }
  return rows;
}

function etcdAvailable(binary: string): boolean {
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return probe.status === 0;
}

async function main(): Promise<void> {
  const { secondsPerRow, etcdBinary } = registryBenchConfig;
  const dir = mkdtempSync(join(tmpdir(), 'registry-bench-'));
  const all: Row[] = [];
  const procs: ChildProcess[] = [];
  try {
    console.log(`registry: 3 nodes on 127.0.0.1, fsync on, ${secondsPerRow} s per row`);
    const registry = await startRegistry(join(dir, 'registry'));
    procs.push(...registry.procs);
    const systems = [{ target: ours, url: registry.leaderUrl }];
    if (etcdAvailable(etcdBinary)) {
      console.log(`etcd: 3 members on 127.0.0.1, fsync on, JSON gateway; each row runs on both, back to back`);
      const cluster = await startEtcd(etcdBinary, join(dir, 'etcd'));
      procs.push(...cluster.procs);
      systems.push({ target: etcd, url: cluster.leaderUrl });
    } else {
      console.log(`etcd: no '${etcdBinary}' binary on PATH (Debian: apt-get install etcd-server); only our numbers are shown`);
    }
    all.push(...(await runSystems(systems, secondsPerRow)));
  } finally {
    await stopAll(procs);
    rmSync(dir, { recursive: true, force: true });
  }

  console.log('\n| op | clients | registry req/s | p50 ms | p99 ms | etcd req/s | p50 ms | p99 ms | ours/etcd req/s |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const row of all.filter((r) => r.system === 'registry')) {
    const other = all.find((r) => r.system === 'etcd' && r.op === row.op && r.clients === row.clients);
    const cells = other ? [other.rps.toFixed(0), other.p50.toFixed(2), other.p99.toFixed(2), (row.rps / other.rps).toFixed(2)] : ['-', '-', '-', '-'];
    console.log(`| ${row.op} | ${row.clients} | ${row.rps.toFixed(0)} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${cells.join(' | ')} |`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
