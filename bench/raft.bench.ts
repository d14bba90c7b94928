/**
 * `npm run bench:raft`: three RaftHosts in this process, peer traffic over HTTP on 127.0.0.1, real WALs with
 * fsync in a temp dir. For 1, 16 and 256 concurrent proposers (each proposes, waits until applied, repeats)
 * it prints commits/s, p50/p99 commit latency and how many commits shared each of the leader's fsyncs.
 * RAFT_BENCH_SECONDS sets the length of a row (default 5).
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeId, RaftHost, Role, StateMachine } from '@shop/raft';
import { eventually, freePort } from '@shop/testing';
import { benchConfig } from './raft-bench.config';

class CounterMachine implements StateMachine {
  applied = 0;
  apply(): unknown {
    return ++this.applied;
  }
  snapshot(): Uint8Array {
    return new Uint8Array(Buffer.from(String(this.applied)));
  }
  restore(data: Uint8Array): void {
    this.applied = Number(Buffer.from(data).toString('utf8'));
  }
}

async function startCluster(root: string): Promise<RaftHost[]> {
  const peers: Record<NodeId, string> = {};
  for (const id of ['n1', 'n2', 'n3']) peers[id] = `http://127.0.0.1:${await freePort()}`;
  return Promise.all(
    Object.keys(peers).map((id) =>
      RaftHost.start({
        id,
        peers,
        dataDir: path.join(root, id),
        secret: 'bench-secret',
        stateMachine: new CounterMachine(),
        tickMs: 50,
        electionTicks: 20,
        listen: { port: Number(new URL(peers[id]!).port) },
      }),
    ),
  );
}

function waitForLeader(hosts: RaftHost[]): Promise<RaftHost> {
  return eventually(
    'a leader every host knows',
    () => {
      const leader = hosts.find((h) => h.status().role === Role.Leader);
      return leader && hosts.every((h) => h.status().leader === leader.status().id) ? leader : undefined;
    },
    60_000,
    20,
  );
}

interface Row {
  proposers: number;
  commits: number;
  seconds: number;
  p50: number;
  p99: number;
  leaderFsyncs: number;
  clusterFsyncs: number;
  /** CPU time of the process per wall second (2.0 = two cores busy). */
  cpuCores: number;
}

async function runRow(hosts: RaftHost[], proposers: number, seconds: number): Promise<Row> {
  const leader = await waitForLeader(hosts);
  const payload = new Uint8Array(Buffer.from('{"op":"put","key":"bench/key","value":"0123456789abcdef"}'));
  const fsyncs = () => hosts.map((h) => h.metrics().wal?.fsyncs ?? 0);
  const before = fsyncs();
  const latencies: number[] = [];
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: proposers }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await leader.propose(payload, { timeoutMs: 10_000 });
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const after = fsyncs();
  const deltas = after.map((count, k) => count - before[k]!);
  latencies.sort((a, b) => a - b);
  const quantile = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return {
    proposers,
    commits: latencies.length,
    seconds: elapsed,
    p50: quantile(0.5),
    p99: quantile(0.99),
    leaderFsyncs: deltas[hosts.indexOf(leader)]!,
    clusterFsyncs: deltas.reduce((a, b) => a + b, 0),
    cpuCores: (cpu.user + cpu.system) / 1e6 / elapsed,
  };
}

function printTable(rows: Row[]): void {
  const header = ['proposers', 'commits/s', 'p50 ms', 'p99 ms', 'commits/fsync (leader)', 'fsyncs/commit (3 nodes)', 'CPU cores'];
  const lines = rows.map((r) => [
    String(r.proposers),
    (r.commits / r.seconds).toFixed(0),
    r.p50.toFixed(2),
    r.p99.toFixed(2),
    (r.commits / Math.max(1, r.leaderFsyncs)).toFixed(1),
    (r.clusterFsyncs / Math.max(1, r.commits)).toFixed(3),
    r.cpuCores.toFixed(2),
  ]);
  const widths = header.map((h, k) => Math.max(h.length, ...lines.map((l) => l[k]!.length)));
  const format = (cells: string[]) => `| ${cells.map((c, k) => c.padStart(widths[k]!)).join(' | ')} |`;
  console.log(format(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const line of lines) console.log(format(line));
}

async function main(): Promise<void> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'raft-bench-'));
  const hosts = await startCluster(root);
  try {
    const rows: Row[] = [];
    for (const proposers of [1, 16, 256]) rows.push(await runRow(hosts, proposers, benchConfig.secondsPerRow));
    console.log(`raft bench: 3 nodes, HTTP on loopback, WAL with fdatasync on ${root} (${os.cpus().length} cores)`);
    printTable(rows);
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
    await fs.rm(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
