#!/usr/bin/env node
// `npm run footprint`: the resident memory of the running demo (`npm run stack`): its Node processes (each entry of
// deploy/topology.js, found by its port), and the servers it uses: Postgres (the postmaster, its background processes and the
// backends connected to the stack's three databases; other databases' backends belong to someone else), Redis and
// the Kafka broker, found by their ports. Prints RSS and PSS per process and the totals.
//
//   npm run footprint [-- --json]
//
// RSS counts a shared page in every process that maps it (Postgres' shared buffers appear in every backend); PSS
// divides it among them, so the PSS total is what the stack really holds. The demo total takes each process's RSS
// and Postgres' PSS. Linux only (/proc). Dependency-free.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { parseArgs } from 'node:util';
import topology from '../deploy/topology.js';

const { values: options } = parseArgs({ options: { json: { type: 'boolean', default: false } } });
const SERVERS = { postgres: 5432, redis: 6379, kafka: 9092 };
const STACK_DATABASES = ['orders', 'inventory', 'payments'];
const MiB = 1024 * 1024;

/** socket inode -> listening TCP port, from /proc/net/tcp and tcp6 (state 0A = LISTEN). */
function listeningInodes() {
  const byInode = new Map();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue;
      byInode.set(cols[9], parseInt(cols[1].split(':').pop(), 16));
    }
  }
  return byInode;
}

/** listening port -> pid of the process that owns the socket. */
function pidsByPort() {
  const inodes = listeningInodes();
  const byPort = new Map();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let fds = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      let link = '';
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      const port = m && inodes.get(m[1]);
      if (port && !byPort.has(port)) byPort.set(port, Number(pid));
    }
  }
  return byPort;
}

/** { rss, pss } in bytes from /proc/<pid>/smaps_rollup; undefined when the process is gone. */
function memoryOf(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
    return { rss: kb('Rss'), pss: kb('Pss') };
  } catch {
    return undefined;
  }
}

function childrenOf(parent) {
  const children = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) children.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

/** Postgres backends serving another database than the stack's (other users of the same server), by pid. */
function foreignBackends() {
  const run = spawnSync(
    'psql',
    ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-X', '-At', '-F', ' ', '-c', "SELECT pid, datname FROM pg_stat_activity WHERE backend_type = 'client backend'"],
    { encoding: 'utf8', timeout: 10_000 },
  );
  if (run.status !== 0) return { pids: new Set(), note: 'psql unavailable: every Postgres backend counted' };
  const pids = new Set();
  for (const line of run.stdout.trim().split('\n')) {
    const [pid, datname] = line.split(' ');
    if (pid && !STACK_DATABASES.includes(datname)) pids.add(Number(pid));
  }
  return { pids, note: `${pids.size} backends of other databases left out` };
}

function main() {
  const byPort = pidsByPort();
  const rows = [];
  const notes = [];
  for (const p of topology.stackProcesses()) {
    // Its own port (the gateways share 8080; each also listens on its INSTANCE_PORT, the port of its healthUrl).
    const pid = byPort.get(Number(new URL(p.healthUrl).port));
    rows.push({ process: p.name, kind: 'node', pid, ...(pid ? memoryOf(pid) : {}) });
  }
  for (const [name, port] of Object.entries(SERVERS)) {
    const pid = byPort.get(port);
    if (!pid) {
      rows.push({ process: name, kind: 'server', pid: undefined });
      continue;
    }
    if (name !== 'postgres') {
      rows.push({ process: name, kind: 'server', pid, ...memoryOf(pid) });
      continue;
    }
    const foreign = foreignBackends();
    notes.push(`postgres: ${foreign.note}`);
    const pids = [pid, ...childrenOf(pid).filter((c) => !foreign.pids.has(c))];
    const total = { rss: 0, pss: 0 };
    for (const each of pids) {
      const m = memoryOf(each);
      if (m) (total.rss += m.rss), (total.pss += m.pss);
    }
    rows.push({ process: `postgres (${pids.length} processes)`, kind: 'server', pid, ...total });
  }
  const missing = rows.filter((r) => r.rss === undefined).map((r) => r.process);
  const sum = (kind, field) => rows.filter((r) => !kind || r.kind === kind).reduce((s, r) => s + (r[field] ?? 0), 0);
  const postgres = rows.find((r) => r.process.startsWith('postgres'));
  const totals = {
    node: { rss: sum('node', 'rss'), pss: sum('node', 'pss') },
    all: { rss: sum(undefined, 'rss'), pss: sum(undefined, 'pss') },
    // Every backend maps Postgres' shared buffers: summed RSS counts them once per backend; PSS counts them once.
    demo: sum(undefined, 'rss') - (postgres?.rss ?? 0) + (postgres?.pss ?? 0),
  };
  if (options.json) {
    console.log(JSON.stringify({ rows, totals, missing, notes }, null, 2));
    return;
  }
  const mib = (bytes) => (bytes === undefined ? 'n/a' : (bytes / MiB).toFixed(1));
  const table = [
    ['process', 'pid', 'RSS MiB', 'PSS MiB'],
    ...rows.map((r) => [r.process, String(r.pid ?? 'not running'), mib(r.rss), mib(r.pss)]),
    ['Node processes', '', mib(totals.node.rss), mib(totals.node.pss)],
    ['total', '', mib(totals.all.rss), mib(totals.all.pss)],
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const line = (row) => row.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  console.log([line(table[0]), ...table.slice(1).map(line)].join('\n'));
  const gib = (bytes) => (bytes / 1024 / MiB).toFixed(2);
  console.log(`\ndemo total ${gib(totals.demo)} GiB: RSS of every process, Postgres by PSS (its shared buffers once, not once per backend)`);
  console.log(`summed RSS ${gib(totals.all.rss)} GiB, summed PSS ${gib(totals.all.pss)} GiB (shared pages counted once)`);
  for (const note of notes) console.log(note);
  if (missing.length > 0) {
    console.error(`not running: ${missing.join(', ')} (is \`npm run stack\` up?)`);
    process.exitCode = 1;
  }
}

main();
