/**
 * How `npm run chaos` breaks things: through the stack's control endpoint (scripts/stack-control.mjs: kill,
 * stop, start, pause, resume a named process), deploy/infra.sh (restart Kafka or Redis), and the config center
 * (payment latency). Every call has a timeout; every failure names what failed.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSecrets } from '../deploy/secrets';

const ROOT = join(__dirname, '..');

export interface StackState {
  control: string;
  token: string;
  gateway: string;
  processes: { name: string; app: string; port: number; healthUrl: string }[];
}

export interface ProcessStatus {
  name: string;
  app: string;
  port: number;
  pid: number | null;
  state: 'running' | 'paused' | 'stopped' | 'restarting' | 'dead';
  restarts: number;
}

/** The secrets of the local stack: the environment's, else .data/secrets.env (written by `npm run stack`). */
export function stackSecrets(): { adminToken: string; registryToken: string } {
  const file = join(ROOT, '.data', 'secrets.env');
  const written = existsSync(file) ? readSecrets(file) : undefined;
  const adminToken = process.env.ADMIN_TOKEN ?? written?.adminToken;
  const registryToken = process.env.REGISTRY_TOKEN ?? written?.registryToken;
  if (!adminToken || !registryToken) throw new Error(`no secrets: start the stack (npm run stack writes ${file}) or set ADMIN_TOKEN and REGISTRY_TOKEN`);
  return { adminToken, registryToken };
}

export function readStackState(): StackState | undefined {
  const file = join(ROOT, '.data', 'stack.json');
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as StackState;
}

async function callJson(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 10_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // kept as text
  }
  return { status: res.status, body };
}

/** The control endpoint of `npm run stack`. */
export class StackControl {
  constructor(private readonly state: StackState) {}

  static fromDisk(): StackControl {
    const state = readStackState();
    if (!state) throw new Error('.data/stack.json is missing: start the stack with `npm run stack` first (faults need its control endpoint)');
    return new StackControl(state);
  }

  get processNames(): string[] {
    return this.state.processes.map((p) => p.name);
  }

  async list(): Promise<ProcessStatus[]> {
    const { status, body } = await callJson(`${this.state.control}/processes`, { headers: this.auth() });
    if (status !== 200) throw new Error(`stack control: GET /processes answered ${status}: ${JSON.stringify(body)}`);
    return body as ProcessStatus[];
  }

  /** kill: SIGKILL (a crash, restarted by the supervisor); stop: stays down until start; start waits for health. */
  async act(name: string, verb: 'kill' | 'stop' | 'start' | 'pause' | 'resume', query = ''): Promise<void> {
    const { status, body } = await callJson(`${this.state.control}/processes/${name}/${verb}${query}`, { method: 'POST', headers: this.auth(), timeoutMs: 180_000 });
    if (status !== 200) throw new Error(`stack control: ${verb} ${name} answered ${status}: ${JSON.stringify(body)}`);
  }

  /** Waits until the process runs again (after a kill the supervisor restarts it) and its /health says 200. */
  async waitRunning(name: string, timeoutMs = 120_000): Promise<void> {
    // Its own health URL: the gateways share their port, so the shared one could be answered by the other.
    const healthUrl = this.state.processes.find((p) => p.name === name)?.healthUrl;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const p = (await this.list()).find((x) => x.name === name);
      if (p?.state === 'running') {
        const health = await callJson(healthUrl ?? '', { timeoutMs: 2000 }).catch(() => undefined);
        if (health?.status === 200) return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`${name} did not run healthy again within ${timeoutMs / 1000}s`);
  }

  private auth(): Record<string, string> {
    return { authorization: `Bearer ${this.state.token}` };
  }
}

/** `bash deploy/infra.sh <verb>` (restart-kafka, restart-redis), bounded. */
export function infra(verb: 'restart-kafka' | 'restart-redis', log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('bash', [join(ROOT, 'deploy', 'infra.sh'), verb], { cwd: ROOT, timeout: 180_000 }, (error) =>
      error ? reject(new Error(`deploy/infra.sh ${verb} failed: ${error.message}`)) : resolve(),
    );
    child.stdout?.on('data', (d: Buffer) => String(d).split('\n').filter(Boolean).forEach((l) => log(`infra | ${l}`)));
    child.stderr?.on('data', (d: Buffer) => String(d).split('\n').filter(Boolean).forEach((l) => log(`infra | ${l}`)));
  });
}

/** Writes a config key: through the gateway's admin API, or straight to the registry nodes when that fails. */
export async function writeConfig(gateway: string, registryUrls: readonly string[], key: string, value: unknown): Promise<void> {
  const { adminToken, registryToken } = stackSecrets();
  const body = JSON.stringify({ value });
  const headers = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
  const problems: string[] = [];
  try {
    const res = await callJson(`${gateway}/gateway/admin/config/${key}`, { method: 'PUT', headers: headers(adminToken), body });
    if (res.status === 200) return;
    problems.push(`gateway admin API ${res.status}`);
  } catch (error) {
    problems.push(`gateway admin API: ${(error as Error).message}`);
  }
  for (const url of registryUrls) {
    try {
      const res = await callJson(`${url}/v1/kv/${key}`, { method: 'PUT', headers: headers(registryToken), body });
      if (res.status === 200) return;
      problems.push(`${url} ${res.status}`);
    } catch (error) {
      problems.push(`${url}: ${(error as Error).message}`);
    }
  }
  throw new Error(`could not write ${key}: ${problems.join('; ')}`);
}

/** The stack process name of the registry node that leads now (n1 -> registry-1), asked of every node. */
export async function registryLeader(registryUrls: readonly string[]): Promise<string> {
  const { registryToken } = stackSecrets();
  for (const url of registryUrls) {
    try {
      const res = await callJson(`${url}/v1/cluster`, { headers: { authorization: `Bearer ${registryToken}` }, timeoutMs: 3000 });
      const leader = (res.body as { leader?: string } | undefined)?.leader;
      const m = leader ? /^n(\d+)$/.exec(leader) : null;
      if (m) return `registry-${m[1]}`;
    } catch {
      // ask the next node
    }
  }
  throw new Error('no registry node names a leader');
}
