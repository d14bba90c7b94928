#!/usr/bin/env node
// `npm run stack`: the whole topology of the contract on this machine, as processes (deploy/topology.js):
// 3 registry nodes, then order x2, inventory, payment, identity and the console, then two gateways on one port. Each log line is
// prefixed with its process name; the script waits until every /health answers 200 and prints a table of URLs. Ctrl-C or
// SIGTERM stops every process (SIGTERM, then SIGKILL after a grace period), gateway first and registry last so
// that services can still deregister. A process that dies is reported loudly and restarted with backoff; a control
// endpoint (URL and token in .data/stack.json) stops, kills, starts and pauses a named process for `npm run chaos`
// (scripts/stack-control.mjs).
//
//   npm run stack [-- --no-infra] [-- --no-build] [-- --health-timeout 120] [-- --grace 10]
//
// Dependency-free on purpose: it must run before anything else works.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import secretsFile from '../deploy/secrets.js';
import topology from '../deploy/topology.js';
import { createStackControl } from './stack-control.mjs';
import { portAnswers } from './port-answers.mjs';

const root = join(import.meta.dirname, '..');
const { values: options } = parseArgs({
  options: {
    'no-infra': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    'health-timeout': { type: 'string', default: '120' },
    grace: { type: 'string', default: '10' },
  },
});
const healthTimeoutMs = Number(options['health-timeout']) * 1000;
const graceMs = Number(options.grace) * 1000;
const tailLines = 30;

const useColor = process.stdout.isTTY && !('NO_COLOR' in process.env);
const paint = (code, text) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);
const palette = [36, 33, 35, 32, 34, 96, 93, 95];
const say = (text) => console.log(paint('1', `stack | ${text}`));
const shout = (text) => console.error(paint('1;41;97', ` stack | ${text} `));

function fail(message) {
  shout(message);
  process.exit(1);
}

// ------------------------------------------------------------------------------------------- preparation
function ensureInfrastructure() {
  if (options['no-infra']) return say('--no-infra: not checking Postgres, Redis and Kafka');
  say('infrastructure: bash deploy/infra.sh up');
  const run = spawnSync('bash', [join(root, 'deploy/infra.sh'), 'up'], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) fail('deploy/infra.sh up failed (see above); fix it or pass --no-infra');
}

const buildInputs = ['apps', 'libs', 'package-lock.json', 'tsconfig.json', 'nest-cli.json'];
const isTestFile = (name) => /\.(spec|int-spec|e2e-spec)\.ts$/.test(name);

function newestSourceMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return isTestFile(path) ? 0 : stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules') continue;
    newest = Math.max(newest, newestSourceMtime(join(path, entry)));
  }
  return newest;
}

// The bundler leaves an unchanged output file untouched (old mtime), so a build this script ran is also
// remembered by a stamp.
const buildStamp = join(root, 'dist', '.stack-build-stamp');

function buildProblem(processes) {
  const sourcesMtime = Math.max(...buildInputs.filter((p) => existsSync(join(root, p))).map((p) => newestSourceMtime(join(root, p))));
  const stampMtime = existsSync(buildStamp) ? statSync(buildStamp).mtimeMs : 0;
  for (const main of new Set(processes.map((p) => join(p.cwd, p.args[p.args.length - 1])))) {
    if (!existsSync(main)) return `${relative(root, main)} is missing`;
    if (Math.max(statSync(main).mtimeMs, stampMtime) < sourcesMtime) return `${relative(root, main)} is older than the sources`;
  }
  return undefined;
}

function ensureBuild(processes) {
  const problem = buildProblem(processes);
  if (!problem) return say('build: dist/ is up to date');
  if (options['no-build']) fail(`${problem}: run \`npm run build\` first (or drop --no-build)`);
  say(`build: ${problem}; running npm run build`);
  const startedAt = new Date();
  const run = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) fail('npm run build failed (see above)');
  // Stamped with the build's start: a source saved during the build still counts as newer.
  writeFileSync(buildStamp, `${startedAt.toISOString()}\n`);
  utimesSync(buildStamp, startedAt, startedAt);
}

async function ensurePortsFree(processes) {
  const busy = [];
  // The gateways share one port and each has its own (where its health is probed).
  const ports = new Map(processes.flatMap((p) => [[p.port, p.name], [Number(new URL(p.healthUrl).port), p.name]]));
  for (const [port, name] of ports) if (await portAnswers(port)) busy.push(`${name}:${port}`);
  if (busy.length > 0) fail(`ports already in use: ${busy.join(', ')} (is another stack running?)`);
}

// The secrets: generated once into .data/secrets.env (mode 0600), reused on every later start; no defaults.
const secretsPath = join(root, '.data', 'secrets.env');

function ensureSecrets() {
  const { secrets, created } = secretsFile.loadOrCreateSecrets(secretsPath);
  say(`secrets: ${created ? 'generated into' : 'read from'} ${relative(process.cwd(), secretsPath) || secretsPath} (ADMIN_TOKEN is the console's admin token)`);
  return secrets;
}

// ------------------------------------------------------------------------------------------- processes
/** @type {Map<string, { spec: any, child: import('node:child_process').ChildProcess, tail: string[], exited: Promise<void>, exit?: string, healthyAfterMs?: number }>} */
const running = new Map();
let stopping = false;
let startupDone = false;
/** Supervision and the control endpoint, once every process is healthy (scripts/stack-control.mjs). */
let control;

function pipeLines(stream, prefix, tail, toStderr) {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => {
    tail.push(line);
    if (tail.length > tailLines) tail.shift();
    (toStderr ? process.stderr : process.stdout).write(`${prefix}${line}\n`);
  });
}

function start(spec, index, nameWidth) {
  const prefix = paint(String(palette[index % palette.length]), `${spec.name.padEnd(nameWidth)} | `);
  // Own process group (detached), so that the terminal's Ctrl-C reaches only this script, which then stops
  // the processes in order, and so that a kill reaches anything a process spawned.
  const child = spawn(spec.command === 'node' ? process.execPath : spec.command, spec.args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const entry = { spec, child, tail: [], startedAt: Date.now() };
  entry.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      entry.exit = signal ? `signal ${signal}` : `code ${code}`;
      resolve();
      if (!stopping) reportDeath(entry);
    });
  });
  child.once('error', (error) => shout(`${spec.name}: could not start: ${error.message}`));
  pipeLines(child.stdout, prefix, entry.tail, false);
  pipeLines(child.stderr, prefix, entry.tail, true);
  running.set(spec.name, entry);
}

function reportDeath(entry) {
  const { spec, child } = entry;
  if (control?.onExit(entry)) return; // stopped on request: not a death
  shout(`${spec.name} (pid ${child.pid}, port ${spec.port}) DIED with ${entry.exit}`);
  console.error(entry.tail.map((line) => `    ${spec.name} | ${line}`).join('\n'));
  if (!startupDone) return; // the startup wait reports it and stops the stack
  if (control) return; // the supervisor restarts it
  const alive = [...running.values()].filter((e) => !e.exit);
  if (alive.length === 0) {
    shout('every process has exited; stopping');
    process.exit(1);
  }
  shout(`${alive.length} of ${running.size} processes still running; Ctrl-C stops them`);
}

async function waitHealthy(entry, deadline) {
  while (Date.now() < deadline) {
    if (entry.exit) throw new Error(`${entry.spec.name} exited (${entry.exit}) before answering ${entry.spec.healthUrl}`);
    try {
      const response = await fetch(entry.spec.healthUrl, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.status === 200) {
        entry.healthyAfterMs = Date.now() - entry.startedAt;
        return;
      }
    } catch {
      // not listening yet: keep polling until the deadline
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`${entry.spec.name}: ${entry.spec.healthUrl} did not answer 200 within ${healthTimeoutMs / 1000}s`);
}

function signalGroup(entry, signal) {
  if (entry.exit) return;
  try {
    process.kill(-entry.child.pid, signal);
  } catch {
    // the group is already gone
  }
}

async function stopAll(reason) {
  if (stopping) return;
  stopping = true;
  control?.beforeStopAll();
  say(`stopping (${reason}): gateway, then services, then registry; SIGKILL after ${graceMs / 1000}s`);
  const tiers = [...new Set([...running.values()].map((e) => e.spec.tier))].sort((a, b) => b - a);
  for (const tier of tiers) {
    const entries = [...running.values()].filter((e) => e.spec.tier === tier);
    for (const entry of entries) signalGroup(entry, 'SIGTERM');
    const timer = setTimeout(() => {
      for (const entry of entries) {
        if (!entry.exit) shout(`${entry.spec.name} ignored SIGTERM for ${graceMs / 1000}s: SIGKILL`);
        signalGroup(entry, 'SIGKILL');
      }
    }, graceMs);
    await Promise.all(entries.map((e) => e.exited));
    clearTimeout(timer);
    for (const entry of entries) say(`${entry.spec.name} stopped (${entry.exit})`);
  }
}

function printSummary() {
  const rows = [...running.values()].map((e) => [
    e.spec.name,
    String(e.child.pid),
    String(e.spec.port),
    `http://127.0.0.1:${e.spec.port}`,
    e.exit ? `DEAD (${e.exit})` : `healthy after ${(e.healthyAfterMs / 1000).toFixed(1)}s`,
  ]);
  const header = ['process', 'pid', 'port', 'url', 'health'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(['', paint('1', line(header)), ...rows.map(line), ''].join('\n'));
  const gateway = [...running.values()].find((e) => e.spec.app === 'gateway');
  say(`all ${rows.length} processes healthy. Shop: http://127.0.0.1:${gateway?.spec.port}  (Ctrl-C stops everything)`);
}

// ------------------------------------------------------------------------------------------------- main
async function main() {
  const processes = topology.stackProcesses({ secrets: ensureSecrets(), demoCustomerPassword: process.env.DEMO_CUSTOMER_PASSWORD });
  ensureInfrastructure();
  ensureBuild(processes);
  await ensurePortsFree(processes);

  const onSignal = (signal) => {
    if (stopping) {
      shout(`${signal} again: SIGKILL to every process`);
      for (const entry of running.values()) signalGroup(entry, 'SIGKILL');
      return;
    }
    // A requested stop is a success: exit 0 once every process is gone.
    void stopAll(signal).then(() => process.exit(0));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => onSignal(signal));
  // Last resort if this script itself dies: no process may outlive it.
  process.on('exit', () => {
    for (const entry of running.values()) signalGroup(entry, 'SIGKILL');
  });

  const nameWidth = Math.max(...processes.map((p) => p.name.length));
  const tiers = [...new Set(processes.map((p) => p.tier))].sort((a, b) => a - b);
  try {
    for (const tier of tiers) {
      const specs = processes.filter((p) => p.tier === tier);
      say(`starting ${specs.map((p) => `${p.name}:${p.port}`).join(', ')}`);
      specs.forEach((spec) => start(spec, processes.indexOf(spec), nameWidth));
      const deadline = Date.now() + healthTimeoutMs;
      await Promise.all(specs.map((spec) => waitHealthy(running.get(spec.name), deadline)));
    }
  } catch (error) {
    if (stopping) return;
    shout(`startup failed: ${error.message}`);
    await stopAll('startup failed');
    process.exit(1);
  }
  startupDone = true;
  control = createStackControl({
    root,
    running,
    launch: (spec) => start(spec, processes.indexOf(spec), nameWidth),
    waitHealthy,
    isStopping: () => stopping,
    say,
    shout,
    healthTimeoutMs,
  });
  const gateway = processes.find((p) => p.app === 'gateway');
  await control.listen({ gateway: `http://127.0.0.1:${gateway.port}`, processes: processes.map((p) => ({ name: p.name, app: p.app, port: p.port, healthUrl: p.healthUrl })) });
  printSummary();
}

main().catch(async (error) => {
  shout(`unexpected error: ${error.stack ?? error}`);
  await stopAll('unexpected error');
  process.exit(1);
});
