import { readBoundedText } from '@shop/common';
import { Agent, request } from 'undici';

export interface RegistryResponse {
  readonly status: number;
  readonly body: unknown;
  /** X-Raft-Index of the answer (0 when absent). */
  readonly index: number;
  readonly url: string;
  /** X-Raft-Leader: the leader's URL, when the node knows it. */
  readonly leaderHint: string | undefined;
}

export class RegistryUnavailableError extends Error {
  constructor(
    message: string,
    readonly attempts: readonly string[],
  ) {
    super(message);
    this.name = 'RegistryUnavailableError';
  }
}

export interface CallOptions {
  readonly body?: unknown;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Safe to send again to another node after a timeout (the first may have been applied). Default true. */
  readonly retryAfterTimeout?: boolean;
  /** A blocking query: it holds its connection for up to its wait, so it uses its own connection pool and can
   *  never make a heartbeat queue behind it. */
  readonly blocking?: boolean;
}

/** Statuses that mean "this node cannot answer now, another may": no leader, leader unreachable, overloaded. */
const HINT_QUARANTINE_MS = 5000;
/** At most this many services plus config keys are watched by one client (one blocking query each). */
export const MAX_WATCHES = 128;

const TRY_ANOTHER = new Set([502, 503]);
/** A recursive listing of a large prefix is the largest answer; past this a node is misbehaving. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * Calls to the registry with failover across REGISTRY_URLS. One node is preferred (the last that answered,
 * or the leader a node named in X-Raft-Leader, when it is one of ours: writes then skip a forwarding hop); on
 * a connection failure, a timeout or a 502/503 the next node is tried, each at most once per call.
 */
export class RegistryEndpoints {
  private preferred = 0;
  /** When each node last failed; a leader hint naming a node that just failed is not followed (a follower
   *  keeps naming a dead leader until its election timeout passes). */
  private readonly failedAt: number[];
  private readonly agent: Agent;
  private readonly watchAgent: Agent;

  constructor(
    readonly urls: readonly string[],
    private readonly token: string,
  ) {
    if (urls.length === 0) throw new Error('RegistryClient needs at least one registry URL');
    this.urls = urls.map((u) => u.replace(/\/+$/, ''));
    this.failedAt = this.urls.map(() => -Infinity);
    this.agent = new Agent({ connections: 16, connectTimeout: 2000, keepAliveTimeout: 30_000 });
    this.watchAgent = new Agent({ connections: MAX_WATCHES, connectTimeout: 2000, keepAliveTimeout: 30_000 });
  }

  get current(): string {
    return this.urls[this.preferred]!;
  }

  async call(method: 'GET' | 'PUT' | 'DELETE', path: string, opts: CallOptions): Promise<RegistryResponse> {
    const attempts: string[] = [];
    let lastError: unknown;
    for (let i = 0; i < this.urls.length; i++) {
      const slot = (this.preferred + i) % this.urls.length;
      const url = this.urls[slot]!;
      try {
        const res = await this.once(method, url, path, opts);
        if (TRY_ANOTHER.has(res.status) && i < this.urls.length - 1) {
          attempts.push(`${url}: ${res.status}`);
          continue;
        }
        this.preferred = this.leaderSlot(res.leaderHint) ?? slot;
        return res;
      } catch (error) {
        if (opts.signal?.aborted) throw error;
        this.failedAt[slot] = performance.now();
        attempts.push(`${url}: ${error instanceof Error ? error.message : String(error)}`);
        lastError = error;
        const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
        if (timedOut && opts.retryAfterTimeout === false) break;
      }
    }
    throw new RegistryUnavailableError(`no registry node answered ${method} ${path} (${attempts.join('; ')})`, attempts.length ? attempts : [String(lastError)]);
  }

  private async once(method: 'GET' | 'PUT' | 'DELETE', base: string, path: string, opts: CallOptions): Promise<RegistryResponse> {
    const signals = [AbortSignal.timeout(opts.timeoutMs)];
    if (opts.signal) signals.push(opts.signal);
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    const res = await request(`${base}${path}`, { method, headers, body, signal: AbortSignal.any(signals), dispatcher: opts.blocking ? this.watchAgent : this.agent });
    const text = await readBoundedText(res.body, MAX_ANSWER_BYTES, `the registry's answer to ${method} ${path}`);
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    const hint = res.headers['x-raft-leader'];
    return {
      status: res.statusCode,
      body: parsed,
      index: Number(res.headers['x-raft-index'] ?? 0) || 0,
      url: base,
      leaderHint: typeof hint === 'string' ? hint : undefined,
    };
  }

  private leaderSlot(hint: string | undefined): number | undefined {
    if (hint === undefined) return undefined;
    const slot = this.urls.indexOf(hint.replace(/\/+$/, ''));
    if (slot < 0 || performance.now() - this.failedAt[slot]! < HINT_QUARANTINE_MS) return undefined;
    return slot;
  }

  async close(): Promise<void> {
    await Promise.all([this.agent.close(), this.watchAgent.close()]);
  }
}
