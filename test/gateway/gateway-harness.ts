import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { NODE_FLAGS } from '../../deploy/topology';
import { ACCESS_TOKEN, IDENTITY_JWKS_KEY, PublishedJwks, Role, SigningKey } from '@shop/auth';
import { eventually, freePort, spawnLogged, stopChild } from '@shop/testing';

/**
 * Gateways started from source (`node -r ./scripts/ts-register.js apps/gateway/src/main.ts`) on ephemeral
 * ports, tiny upstreams in the test process that count what reaches them, and a discovery file to
 * change instances and config live. Everything lives in one temporary directory that `stop()` removes.
 */

const root = join(__dirname, '..', '..');
export const ADMIN_TOKEN = 'e2e-admin-token';

/**
 * The harness plays identity for its gateways: a signing key whose public half every discovery file carries at
 * `config/identity/jwks`, and access tokens signed with it. Requests to /api/ sent through `send` carry customer
 * c-1's token unless they set their own Authorization.
 */
const IDENTITY_KEY = SigningKey.generate();
export const HARNESS_JWKS: PublishedJwks = { keys: [IDENTITY_KEY.published('harness', Date.now() + 24 * 3600_000)] };

export function accessToken(subject = 'c-1', role: Role = 'customer', claims: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return IDENTITY_KEY.sign({ iss: ACCESS_TOKEN.issuer, aud: ACCESS_TOKEN.audience, sub: subject, role, iat: now, exp: now + ACCESS_TOKEN.lifetimeSec, ...claims }, 'at+jwt');
}

export async function signedInAs(subject: string, role: Role = 'customer'): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await accessToken(subject, role)}` };
}

const defaultCustomer = accessToken('c-1');

/** What one upstream instance saw. `started` counts requests whose headers arrived, `completed` whole ones. */
export interface UpstreamRecord {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  bytes: number;
}

export type UpstreamBehaviour = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

export class TestUpstream {
  started = 0;
  completed = 0;
  readonly seen: UpstreamRecord[] = [];
  behaviour: UpstreamBehaviour = (req, res, body) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ instance: this.id, url: req.url, bytes: body.length }));
  };
  private server: Server | undefined;
  port = 0;

  constructor(readonly id: string) {}

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      this.started++;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.completed++;
        const body = Buffer.concat(chunks);
        this.seen.push({ method: req.method!, url: req.url!, headers: req.headers, bytes: body.length });
        this.behaviour(req, res, body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Stops answering at once: open keep-alive connections are cut too (like a killed process). */
  async kill(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  instance(meta: Record<string, string> = {}) {
    return { id: this.id, address: '127.0.0.1', port: this.port, meta };
  }
}

export interface DiscoveryContent {
  services: Record<string, ReturnType<TestUpstream['instance']>[]>;
  config: Record<string, unknown>;
}

export interface GatewayOptions {
  /** Discovery file content; omit when `env` points at a registry. */
  discovery?: DiscoveryContent;
  env?: Record<string, string>;
}

export class TestGateway {
  readonly url: string;
  private proc: ChildProcess | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly discoveryFile: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  static async start(opts: GatewayOptions): Promise<TestGateway> {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-e2e-'));
    const port = await freePort();
    const gateway = new TestGateway(dir, port, join(dir, 'discovery.json'));
    if (opts.discovery) gateway.writeDiscovery(opts.discovery);
    gateway.proc = spawnLogged(process.execPath, [...NODE_FLAGS.gateway!, '-r', './scripts/ts-register.js', 'apps/gateway/src/main.ts'], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        ADMIN_TOKEN,
        REDIS_URL: 'redis://127.0.0.1:6379',
        ...(opts.discovery ? { DISCOVERY_FILE: gateway.discoveryFile } : {}),
        ...opts.env,
      },
      logFile: join(dir, 'gateway.log'),
    });
    try {
      await eventually('the gateway to listen', async () => ((await gateway.get('/gateway/status')).status === 200 ? true : undefined), 60_000);
    } catch (error) {
      const tail = existsSync(join(dir, 'gateway.log')) ? readFileSync(join(dir, 'gateway.log'), 'utf8').slice(-2000) : '';
      await gateway.stop();
      throw new Error(`${String(error)}\n${tail}`, { cause: error });
    }
    return gateway;
  }

  writeDiscovery(content: DiscoveryContent): void {
    const tmp = `${this.discoveryFile}.tmp`;
    writeFileSync(tmp, JSON.stringify({ ...content, config: { [IDENTITY_JWKS_KEY]: HARNESS_JWKS, ...content.config } }));
    // rename: the gateway never reads a half-written file
    renameSync(tmp, this.discoveryFile);
  }

  log(): string {
    return readFileSync(join(this.dir, 'gateway.log'), 'utf8');
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    return send(this.url, 'GET', path, { headers });
  }

  async status(): Promise<GatewayStatus> {
    return (await this.get('/gateway/status')).json as GatewayStatus;
  }

  async stop(): Promise<void> {
    if (this.proc) await stopChild(this.proc, { graceMs: 10_000 });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

export async function send(
  base: string,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string | Buffer | Readable } = {},
): Promise<Answer> {
  const headers = { ...opts.headers };
  if (path.startsWith('/api/') && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) headers.authorization = `Bearer ${await defaultCustomer}`;
  const res = await request(`${base}${path}`, {
    method: method as 'GET',
    headers,
    body: opts.body,
    headersTimeout: 20_000,
    bodyTimeout: 20_000,
  });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

export interface GatewayStatus {
  services: Record<string, { id: string; outstanding: number; sent: number }[]>;
  breakers: { upstream: string; state: string; retryAfterMs: number; slowCalls: { calls: number; slow: number } }[];
  rateLimits: { redis: { state: string; decidedFromLeases: number }; policies: { name: string; stats: Record<string, number> }[] };
  routes: { prefix: string; service: string; balancer: string }[];
}

/** A unique suffix for names (policies, services) so that runs never share Redis keys. */
export const runId = `${process.pid}-${Date.now().toString(36)}`;

/**
 * An upstream in a process of its own, so that it can die as a real one does (SIGKILL: the kernel closes its
 * sockets, new connections are refused). Answers every request with 200 `{"instance","url"}` after reading it.
 */
export class ProcessUpstream {
  private proc: ChildProcess | undefined;

  private constructor(
    readonly id: string,
    readonly port: number,
  ) {}

  static async start(id: string): Promise<ProcessUpstream> {
    const port = await freePort();
    const upstream = new ProcessUpstream(id, port);
    const script = `
      require('node:http').createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ instance: ${JSON.stringify(id)}, url: req.url }));
        });
      }).listen(${port}, '127.0.0.1', () => process.send('ready'));`;
    upstream.proc = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      upstream.proc!.once('message', () => resolve());
      upstream.proc!.once('exit', (code) => reject(new Error(`upstream ${id} exited with ${code}`)));
    });
    return upstream;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.proc) await stopChild(this.proc, { signal });
  }

  instance(meta: Record<string, string> = {}) {
    return { id: this.id, address: '127.0.0.1', port: this.port, meta };
  }
}
