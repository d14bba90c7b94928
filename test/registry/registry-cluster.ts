import { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, HttpAnswer, httpCall, spawnLogged, stopChild } from '@shop/testing';

/**
 * Real registry processes on loopback for end-to-end tests: each node is `node -r scripts/ts-register.js
 * apps/registry/src/main.ts` (no build needed) on an ephemeral port, with its own data directory. Logs go to
 * files in the cluster's temporary directory, which `stop()` removes.
 */

export const TOKEN = 'e2e-registry-token';
/** The key each service's own credential is derived from (deploy/secrets.js serviceRegistryToken). */
export const SERVICE_KEY = 'e2e-registry-service-key';
const root = join(__dirname, '..', '..');

export interface RegistryNodeProcess {
  readonly id: string;
  readonly port: number;
  readonly url: string;
  readonly dataDir: string;
  proc: ChildProcess | null;
}

export interface ClusterOptions {
  size?: number;
  snapshotEvery?: number;
  extraEnv?: Record<string, string>;
}

function tail(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-8).join('\n') : '(no log)';
}

/** A request to a registry node, with the operator's token unless `token` says otherwise (null: none). */
export async function call(url: string, method: string, path: string, opts: { body?: unknown; token?: string | null; timeoutMs?: number } = {}): Promise<HttpAnswer> {
  const token = opts.token === undefined ? TOKEN : opts.token;
  return httpCall(`${url}${path}`, { method, headers: token === null ? {} : { authorization: `Bearer ${token}` }, body: opts.body, timeoutMs: opts.timeoutMs });
}

export class RegistryCluster {
  private constructor(
    readonly dir: string,
    readonly nodes: RegistryNodeProcess[],
    private readonly env: Record<string, string>,
  ) {}

  static async start(opts: ClusterOptions = {}): Promise<RegistryCluster> {
    const size = opts.size ?? 3;
    const dir = mkdtempSync(join(tmpdir(), 'registry-e2e-'));
    const nodes: RegistryNodeProcess[] = [];
    for (let i = 1; i <= size; i++) {
      const port = await freePort();
      nodes.push({ id: `n${i}`, port, url: `http://127.0.0.1:${port}`, dataDir: join(dir, `n${i}`), proc: null });
    }
    const env: Record<string, string> = {
      REGISTRY_PEERS: nodes.map((n) => `${n.id}=${n.url}`).join(','),
      RAFT_SECRET: 'e2e-raft-secret',
      REGISTRY_TOKEN: TOKEN,
      REGISTRY_SERVICE_KEY: SERVICE_KEY,
      ...(opts.snapshotEvery ? { REGISTRY_SNAPSHOT_EVERY: String(opts.snapshotEvery) } : {}),
      ...opts.extraEnv,
    };
    const cluster = new RegistryCluster(dir, nodes, env);
    for (const node of nodes) cluster.launch(node);
    try {
      await cluster.waitForLeader();
    } catch (error) {
      const logs = nodes.map((n) => `--- ${n.id}\n${tail(join(dir, `${n.id}.log`))}`).join('\n');
      await cluster.stop();
      throw new Error(`${String(error)}\n${logs}`, { cause: error });
    }
    return cluster;
  }

  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }

  node(id: string): RegistryNodeProcess {
    const node = this.nodes.find((n) => n.id === id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  private launch(node: RegistryNodeProcess): void {
    node.proc = spawnLogged(process.execPath, ['-r', './scripts/ts-register.js', 'apps/registry/src/main.ts'], {
      cwd: root,
      env: { ...process.env, ...this.env, PORT: String(node.port), REGISTRY_NODE_ID: node.id, REGISTRY_DATA_DIR: node.dataDir },
      logFile: join(this.dir, `${node.id}.log`),
    });
  }

  /** The leader id, once every running node agrees on one. */
  async waitForLeader(timeoutMs = 30_000): Promise<string> {
    return eventually(
      'a leader that every running node knows',
      async () => {
        const running = this.nodes.filter((n) => n.proc);
        const views = await Promise.all(running.map((n) => call(n.url, 'GET', '/v1/cluster', { timeoutMs: 1000 })));
        const leaders = new Set(views.map((v) => v.body?.leader));
        const [leader] = [...leaders];
        if (leaders.size === 1 && typeof leader === 'string' && running.some((n) => n.id === leader)) return leader;
        return undefined;
      },
      timeoutMs,
      200,
    );
  }

  /** kill -9: no shutdown hook runs, nothing is flushed beyond what was fsynced. */
  async kill(id: string): Promise<void> {
    const node = this.node(id);
    const proc = node.proc;
    if (!proc) return;
    node.proc = null;
    await stopChild(proc, { signal: 'SIGKILL' });
  }

  /** Starts a stopped node again from its data directory, and waits until it answers. */
  async restart(id: string): Promise<void> {
    const node = this.node(id);
    if (node.proc) throw new Error(`${id} is running`);
    this.launch(node);
    await eventually(`${id} answers`, async () => ((await call(node.url, 'GET', '/v1/cluster', { timeoutMs: 1000 })).status === 200 ? true : undefined));
  }

  async metric(id: string, name: string): Promise<number> {
    const res = await fetch(`${this.node(id).url}/metrics`, { signal: AbortSignal.timeout(5000) });
    const line = (await res.text()).split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : Number.NaN;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (node) => {
        const proc = node.proc;
        if (!proc) return;
        node.proc = null;
        await stopChild(proc, { graceMs: 5000 });
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}
