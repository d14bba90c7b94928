/**
 * Starts the whole system of the contract for end-to-end tests: the same processes as `npm run stack`
 * (deploy/topology.js: three registry nodes, order x2, inventory, payment, identity, the console, two gateways on one port), from the built apps in
 * dist/ (`npm run build`), on ports shifted by `portOffset` so that a running stack is not disturbed, with
 * registry data in a fresh temporary directory and secrets generated for this run (deploy/secrets.js). Each
 * process's output goes to test-artifacts/logs/<name>.log.
 * Postgres, Redis and Kafka must be up (`npm run infra:up`).
 */
import { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, localKafka, spawnLogged, stopChild } from '@shop/testing';
import { generateSecrets } from '../../deploy/secrets';
import { StackProcess, StackSecrets, stackProcesses } from '../../deploy/topology';

const ROOT = join(__dirname, '..', '..');

export interface RunningSystem {
  readonly gatewayUrl: string;
  readonly registryUrls: readonly string[];
  readonly processes: readonly StackProcess[];
  readonly secrets: StackSecrets;
  url(name: string): string;
  /** Sends a signal to one process (SIGKILL to crash it, SIGTERM for a graceful stop) and waits for its exit. */
  stopProcess(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped process again with its original environment and waits for its health. */
  startProcess(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startSystem(opts: { portOffset?: number; healthTimeoutMs?: number } = {}): Promise<RunningSystem> {
  for (const app of ['registry', 'gateway', 'order', 'inventory', 'payment', 'identity', 'console']) {
    if (!existsSync(join(ROOT, 'dist', 'apps', app, 'main.js'))) {
      throw new Error(`dist/apps/${app}/main.js is missing: run \`npm run build\` before the end-to-end tests`);
    }
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'shop-e2e-'));
  // Fresh registry and admin secrets per run; Kafka's users are the broker's (deploy/infra.sh, localKafka).
  const kafka = localKafka();
  const secrets = { ...generateSecrets(), kafkaCredentialKey: kafka.credentialKey };
  const processes = stackProcesses({ portOffset: opts.portOffset ?? 20000, dataDir, secrets, infra: { kafka: kafka.brokers.join(',') } });
  const logDir = join(ROOT, 'test-artifacts', 'logs');
  mkdirSync(logDir, { recursive: true });
  const healthTimeoutMs = opts.healthTimeoutMs ?? 90_000;
  const children = new Map<string, { child: ChildProcess }>();

  const launch = (p: StackProcess): void => {
    const child = spawnLogged(p.command, p.args, { cwd: ROOT, env: { ...process.env, ...p.env }, logFile: join(logDir, `${p.name}.log`) });
    children.set(p.name, { child });
  };
  const byName = (name: string): StackProcess => {
    const p = processes.find((x) => x.name === name);
    if (!p) throw new Error(`no process named ${name}`);
    return p;
  };

  const system: RunningSystem = {
    // The port both gateways share (each one's healthUrl is on a port of its own).
    gatewayUrl: `http://127.0.0.1:${processes.find((p) => p.app === 'gateway')!.port}`,
    registryUrls: processes.filter((p) => p.app === 'registry').map((p) => p.healthUrl.replace(/\/health$/, '')),
    processes,
    secrets,
    url: (name) => byName(name).healthUrl.replace(/\/health$/, ''),
    async stopProcess(name, signal = 'SIGTERM') {
      const running = children.get(name);
      if (!running) return;
      children.delete(name);
      await stopChild(running.child, { signal, graceMs: 10_000 });
    },
    async startProcess(name) {
      const p = byName(name);
      launch(p);
      await waitForHealth(p, healthTimeoutMs, children);
    },
    async stop() {
      const names = [...processes].sort((a, b) => b.tier - a.tier).map((p) => p.name);
      for (const tier of [2, 1, 0]) {
        await Promise.all(names.filter((n) => byName(n).tier === tier).map((n) => system.stopProcess(n)));
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };

  try {
    for (const tier of [0, 1, 2]) {
      const inTier = processes.filter((p) => p.tier === tier);
      inTier.forEach(launch);
      await Promise.all(inTier.map((p) => waitForHealth(p, healthTimeoutMs, children)));
    }
    await Promise.all(processes.filter((p) => p.app === 'order').map((p) => waitForPriceList(p, healthTimeoutMs)));
    await Promise.all(processes.filter((p) => p.app === 'gateway').map((g) => waitForRoutes(g, processes, healthTimeoutMs)));
  } catch (error) {
    await system.stop();
    throw error;
  }
  return system;
}

/**
 * Healthy is not yet routable: a gateway learns instances from the registry's watch. A suite that signs in right
 * after start once met 503 no_instance for identity (the previous suite's stack had just stopped). Waits until the
 * gateway lists every service instance of this stack, by its address.
 */
async function waitForRoutes(gateway: StackProcess, processes: StackProcess[], timeoutMs: number): Promise<void> {
  const routed = processes.filter((p) => p.app !== 'gateway' && p.app !== 'registry');
  const statusUrl = gateway.healthUrl.replace(/\/health$/, '/gateway/status');
  await eventually(
    `${gateway.name} routes to every service of this stack`,
    async () => {
      const status = (await (await fetch(statusUrl, { signal: AbortSignal.timeout(2000) })).json()) as { services?: Record<string, { address: string }[]> };
      return routed.every((p) => (status.services?.[p.app] ?? []).some((u) => u.address.endsWith(`:${p.port}`)));
    },
    timeoutMs,
    200,
  );
}

async function waitForHealth(
  p: StackProcess,
  timeoutMs: number,
  children: Map<string, { child: ChildProcess }>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const running = children.get(p.name);
    if (!running || running.child.exitCode !== null) {
      throw new Error(`${p.name} exited with code ${running?.child.exitCode} before it was healthy (test-artifacts/logs/${p.name}.log)`);
    }
    try {
      const res = await fetch(p.healthUrl, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `status ${res.status}: ${(await res.text()).slice(0, 200)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${p.name} was not healthy within ${timeoutMs} ms (${last}); see test-artifacts/logs/${p.name}.log`);
}

/** The demo catalog (inventory's seed). */
const DEMO_CATALOG_SIZE = 20;

/**
 * Order prices from its own price list, filled from inventory's ProductPriced events after start-up; until it
 * holds prices, POST /orders answers 503 price_list_loading. Tests start once it holds the demo catalog.
 */
async function waitForPriceList(p: StackProcess, timeoutMs: number): Promise<void> {
  await eventually(
    `${p.name}'s price list holds the demo catalog (inventory's ProductPriced events; see test-artifacts/logs/${p.name}.log)`,
    async () => {
      const health = (await (await fetch(p.healthUrl, { signal: AbortSignal.timeout(2000) })).json()) as { details?: Record<string, { products?: number }> };
      return (health.details?.['price-list']?.products ?? 0) >= DEMO_CATALOG_SIZE;
    },
    timeoutMs,
    250,
  );
}
