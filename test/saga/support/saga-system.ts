import { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { eventually, freePort, HttpAnswer, httpCall, spawnLogged, stopChild, withPostgresAdmin } from '@shop/testing';
import { PARTITIONS_CONSUMED_CONCURRENTLY } from '../../../deploy/kafka-partitions';
import { serviceRegistryToken } from '../../../deploy/secrets';
import { RegistryCluster, SERVICE_KEY, TOKEN as REGISTRY_TOKEN } from '../../registry/registry-cluster';
import { StandInGateway } from '../../support/stand-in-gateway';
import { PrivateKafka } from './private-kafka';

const ROOT = join(__dirname, '..', '..', '..');
const ADMIN = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' };
const ROLES = {
  order: { role: 'order_svc', password: 'order_pw' },
  inventory: { role: 'inventory_svc', password: 'inventory_pw' },
  payment: { role: 'payment_svc', password: 'payment_pw' },
} as const;

export type AppName = keyof typeof ROLES;
export type ProcessName = 'order-1' | 'order-2' | 'inventory' | 'payment';

interface AppProcess {
  name: ProcessName;
  app: AppName;
  port: number;
  env: Record<string, string>;
  proc: ChildProcess | null;
}

export interface SagaSystemOptions {
  /** Extra environment per process (e.g. chaos hooks). */
  env?: Partial<Record<ProcessName, Record<string, string>>>;
}

/**
 * The three services of the saga, started from source (`node -r ./scripts/ts-register.js apps/<app>/src/main.ts`)
 * on free ports, with what they need and nothing shared with a running stack: a database per service created for
 * this run (owned by the service's role), a private Kafka broker, a one-node registry. Two order replicas, as in
 * the topology. Logs in test-artifacts/saga/<run>/.
 */
export class SagaSystem {
  private constructor(
    readonly run: string,
    private readonly dir: string,
    readonly logDir: string,
    readonly kafka: PrivateKafka,
    readonly registry: RegistryCluster,
    private readonly processes: AppProcess[],
    readonly databases: Record<AppName, string>,
    /** The services answer only requests with the gateway's proof: calls here carry one from this stand-in. */
    readonly gateway: StandInGateway,
  ) {}

  static async start(opts: SagaSystemOptions = {}): Promise<SagaSystem> {
    const run = `saga_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`;
    const dir = mkdtempSync(join(tmpdir(), 'saga-e2e-'));
    const logDir = join(ROOT, 'test-artifacts', 'saga', run);
    mkdirSync(logDir, { recursive: true });
    const databases = { order: `orders_${run}`, inventory: `inventory_${run}`, payment: `payments_${run}` };
    await withPostgresAdmin(async (c) => {
      for (const app of Object.keys(databases) as AppName[]) await c.query(`CREATE DATABASE ${databases[app]} OWNER ${ROLES[app].role}`);
    });
    const dropDatabases = () =>
      withPostgresAdmin(async (c) => {
        for (const db of Object.values(databases)) await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      });
    // One after the other: on two shared cores, a JVM and a registry starting together starve each other.
    let kafka: PrivateKafka;
    let registry: RegistryCluster;
    try {
      kafka = await PrivateKafka.start(dir);
    } catch (error) {
      await dropDatabases();
      throw error;
    }
    try {
      registry = await RegistryCluster.start({ size: 1 });
    } catch (error) {
      await kafka.stop();
      await dropDatabases();
      throw error;
    }
    let gateway: StandInGateway;
    try {
      gateway = await StandInGateway.publish(registry.urls[0]!, REGISTRY_TOKEN);
    } catch (error) {
      await registry.stop();
      await kafka.stop();
      await dropDatabases();
      throw error;
    }
    const processes: AppProcess[] = [];
    for (const name of ['inventory', 'payment', 'order-1', 'order-2'] as ProcessName[]) {
      const app: AppName = name.startsWith('order') ? 'order' : (name as AppName);
      const port = await freePort();
      const { role, password } = ROLES[app];
      processes.push({
        name,
        app,
        port,
        proc: null,
        env: {
          PORT: String(port),
          INSTANCE_ID: `${name}-${run}`,
          ADVERTISE_HOST: '127.0.0.1',
          DATABASE_URL: `postgres://${role}:${password}@127.0.0.1:5432/${databases[app]}`,
          REDIS_URL: 'redis://127.0.0.1:6379',
          KAFKA_BROKERS: kafka.brokers,
          // As deployed (deploy/kafka-partitions.js, the private broker's topics have as many partitions).
          KAFKA_PARTITIONS_CONCURRENTLY: String(PARTITIONS_CONSUMED_CONCURRENTLY),
          REGISTRY_URLS: registry.urls.join(','),
          // Each service its own registry credential, as deployed; the private broker is plaintext (no KAFKA_PASSWORD).
          REGISTRY_TOKEN: serviceRegistryToken(SERVICE_KEY, app),
          SAGA_SWEEP_INTERVAL_MS: '500',
          ...opts.env?.[name],
        },
      });
    }
    const system = new SagaSystem(run, dir, logDir, kafka, registry, processes, databases, gateway);
    try {
      for (const p of processes) system.launch(p);
      await Promise.all(processes.map((p) => system.waitHealthy(p.name)));
      await system.waitForPriceList();
    } catch (error) {
      await system.stop();
      throw error;
    }
    return system;
  }

  url(name: ProcessName): string {
    return `http://127.0.0.1:${this.process(name).port}`;
  }

  /** A request as the gateway would send it: with its proof for `as` (a customer id; default: an operator). */
  async call(
    name: ProcessName,
    method: string,
    path: string,
    opts: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number; as?: string } = {},
  ): Promise<HttpAnswer> {
    const app = name.startsWith('order') ? 'order' : name;
    const caller = opts.as === undefined ? undefined : { subject: opts.as, role: 'customer' as const };
    const headers = { ...(await this.gateway.headers(app, caller)), ...opts.headers };
    return httpCall(`${this.url(name)}${path}`, { method, headers, body: opts.body, timeoutMs: opts.timeoutMs ?? 15_000 });
  }

  /**
   * Writes a live config key through the registry (the config center) and waits until every service process that
   * watches it reports that version in its /health (registry.configs[key] = modIndex): pushed, not just written.
   */
  async setConfig(key: string, value: unknown): Promise<void> {
    const res = await fetch(`${this.registry.urls[0]}/v1/kv/${key}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${REGISTRY_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ value }),
      signal: AbortSignal.timeout(10_000),
    });
    if (res.status !== 200) throw new Error(`PUT ${key} answered ${res.status}: ${await res.text()}`);
    const { modIndex } = (await res.json()) as { modIndex: number };
    for (const p of this.processes) {
      if (!p.proc) continue;
      await eventually(`${p.name} sees ${key} at index ${modIndex}`, async () => {
        const configs = (await this.call(p.name, 'GET', '/health', { timeoutMs: 3000 })).body?.details?.registry?.configs ?? {};
        return !(key in configs) || configs[key] >= modIndex;
      }, 60_000, 200);
    }
  }

  /** Stops one service process (SIGKILL: a crash; SIGTERM: graceful) and waits for its exit. */
  async stopProcess(name: ProcessName, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.process(name);
    const proc = p.proc;
    if (!proc) return;
    p.proc = null;
    await stopChild(proc, { signal, graceMs: 15_000 });
  }

  /** Waits for a process to exit on its own (e.g. a chaos hook), then forgets it. */
  async waitForExit(name: ProcessName, timeoutMs = 60_000): Promise<number | null> {
    const p = this.process(name);
    const proc = p.proc;
    if (!proc) throw new Error(`${name} is not running`);
    const code = await new Promise<number | null>((resolve, reject) => {
      if (proc.exitCode !== null) return resolve(proc.exitCode);
      const timer = setTimeout(() => reject(new Error(`${name} did not exit within ${timeoutMs} ms`)), timeoutMs);
      proc.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    p.proc = null;
    return code;
  }

  /** Starts a stopped process again, optionally with changed environment, and waits for its health. */
  async startProcess(name: ProcessName, envChanges: Record<string, string | undefined> = {}): Promise<void> {
    const p = this.process(name);
    for (const [k, v] of Object.entries(envChanges)) {
      if (v === undefined) delete p.env[k];
      else p.env[k] = v;
    }
    this.launch(p);
    await this.waitHealthy(name);
  }

  /** Direct read of a service's database (as superuser): only for what no API exposes, e.g. outbox counts. */
  async sql<T = Record<string, unknown>>(app: AppName, query: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ ...ADMIN, database: this.databases[app], connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      return (await client.query(query, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => this.stopProcess(p.name)));
    await Promise.allSettled([this.kafka.stop(), this.registry.stop()]);
    await withPostgresAdmin(async (c) => {
      for (const db of Object.values(this.databases)) await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    });
    rmSync(this.dir, { recursive: true, force: true });
  }

  private process(name: ProcessName): AppProcess {
    const p = this.processes.find((x) => x.name === name);
    if (!p) throw new Error(`no process ${name}`);
    return p;
  }

  private launch(p: AppProcess): void {
    p.proc = spawnLogged(process.execPath, ['-r', './scripts/ts-register.js', `apps/${p.app}/src/main.ts`], {
      cwd: ROOT,
      env: { ...process.env, ...p.env },
      logFile: join(this.logDir, `${p.name}.log`),
    });
  }

  private async waitHealthy(name: ProcessName): Promise<void> {
    const p = this.process(name);
    await eventually(
      `${name} is healthy (log: ${join(this.logDir, `${name}.log`)})`,
      async () => {
        if (!p.proc || p.proc.exitCode !== null) throw new Error(`${name} exited with ${p.proc?.exitCode}`);
        return (await this.call(name, 'GET', '/health', { timeoutMs: 3000 })).status === 200;
      },
      120_000,
      500,
    );
  }

  /** Order's price list holds the 20 demo products (inventory's ProductPriced events, through Kafka). */
  async waitForPriceList(): Promise<void> {
    for (const name of ['order-1', 'order-2'] as ProcessName[]) {
      await eventually(`${name} has the catalog in its price list`, async () => {
        const health = await this.call(name, 'GET', '/health', { timeoutMs: 3000 });
        return health.body?.details?.['price-list']?.products >= 20;
      }, 120_000, 500);
    }
  }
}
