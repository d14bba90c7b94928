import { createLogger } from '@shop/common';
import { BlockingCursor } from './blocking-cursor';
import { parseInstances, sameInstances, ServiceInstance } from './instances';
import { LiveConfig, LiveConfigValue } from './live-config';
import { MAX_WATCHES, RegistryEndpoints, RegistryResponse, RegistryUnavailableError } from './registry-endpoints';

export interface RegistryClientOptions {
  /** Every registry node (REGISTRY_URLS); the client fails over between them. */
  urls: readonly string[];
  token: string;
  /** Timeout of every call that does not block. Default 3000 ms. */
  requestTimeoutMs?: number;
  /** How long one blocking query may wait at the server. Default 30 s. */
  watchWaitMs?: number;
}

export interface Registration {
  service: string;
  instanceId: string;
  address: string;
  port: number;
  meta?: Record<string, string>;
  /** Lease TTL; heartbeats go every third of it. Default 10 s. */
  ttlMs?: number;
}

export class RegistryRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
    this.name = 'RegistryRequestError';
  }
}

const DEFAULT_TTL_MS = 10_000;
const MAX_BACKOFF_MS = 2000;
/** Pause before re-asking when an answer's index did not move (prevents a tight loop). */
const NO_PROGRESS_PAUSE_MS = 200;

interface ServiceWatch {
  list: readonly ServiceInstance[];
  readonly listeners: Set<(list: readonly ServiceInstance[]) => void>;
}

interface KeyWatch {
  /** Last answer: the raw value, or absent. */
  last: { raw: unknown; absent: boolean; modIndex: number } | null;
  readonly subscribers: Set<LiveConfigValue<unknown>>;
}

const keyPath = (key: string) => key.split('/').map(encodeURIComponent).join('/');
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * The registry and config center client: registration with heartbeats, discovery from a local cache kept fresh
 * by blocking queries, typed config subscriptions, failover across nodes. See index.ts.
 */
export class RegistryClient {
  private readonly endpoints: RegistryEndpoints;
  private readonly requestTimeoutMs: number;
  private readonly watchWaitMs: number;
  private readonly logger = createLogger('RegistryClient');
  private readonly services = new Map<string, ServiceWatch>();
  private readonly keys = new Map<string, KeyWatch>();
  private readonly loops = new Set<Promise<void>>();
  private readonly closing = new AbortController();
  private registration: Required<Registration> | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private reachable = false;
  private lastContactAt: number | null = null;
  private lastError: string | null = null;

  constructor(opts: RegistryClientOptions) {
    this.endpoints = new RegistryEndpoints(opts.urls, opts.token);
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 3000;
    this.watchWaitMs = opts.watchWaitMs ?? 30_000;
  }

  // ---- registration (注册) ----

  /**
   * Registers this instance and keeps its lease alive with heartbeats every ttl/3; a heartbeat answered 404
   * (the lease expired, e.g. after a long pause) registers again. Rejects when no node accepted the first
   * registration; the heartbeat loop keeps trying anyway, so the instance appears once the registry is back.
   */
  async register(r: Registration): Promise<void> {
    this.registration = { meta: {}, ttlMs: DEFAULT_TTL_MS, ...r };
    this.scheduleHeartbeat();
    await this.sendRegistration();
  }

  /** Stops heartbeats and removes this instance at once (instead of waiting for its lease to expire). */
  async deregister(): Promise<void> {
    const r = this.registration;
    this.registration = null;
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
    if (!r) return;
    const res = await this.call('DELETE', `/v1/services/${encodeURIComponent(r.service)}/${encodeURIComponent(r.instanceId)}`, {});
    if (res.status !== 200) throw new RegistryRequestError(`deregister answered ${res.status}`, res.status, res.body);
  }

  private async sendRegistration(): Promise<void> {
    const r = this.registration;
    if (!r) return;
    const res = await this.call('PUT', `/v1/services/${encodeURIComponent(r.service)}/${encodeURIComponent(r.instanceId)}`, {
      body: { address: r.address, port: r.port, meta: r.meta, ttlMs: r.ttlMs },
    });
    if (res.status !== 200) throw new RegistryRequestError(`register answered ${res.status}`, res.status, res.body);
  }

  private scheduleHeartbeat(): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    const r = this.registration;
    if (!r || this.closing.signal.aborted) return;
    this.heartbeatTimer = setTimeout(() => void this.heartbeat(), Math.max(300, Math.floor(r.ttlMs / 3)));
    this.heartbeatTimer.unref();
  }

  private async heartbeat(): Promise<void> {
    const r = this.registration;
    if (!r) return;
    try {
      const res = await this.call('PUT', `/v1/services/${encodeURIComponent(r.service)}/${encodeURIComponent(r.instanceId)}/heartbeat`, {});
      if (res.status === 404) {
        this.logger.event('warn', 'lease expired; registering again', { service: r.service, instanceId: r.instanceId });
        await this.sendRegistration();
      } else if (res.status !== 200) {
        throw new RegistryRequestError(`heartbeat answered ${res.status}`, res.status, res.body);
      }
    } catch (error) {
      this.logger.event('warn', 'heartbeat failed; retrying', { service: r.service, error: String(error) });
    } finally {
      this.scheduleHeartbeat();
    }
  }

  // ---- discovery (服务发现) ----

  /** Starts keeping `service`'s instances in the local cache (idempotent). */
  watchService(service: string): void {
    if (this.services.has(service) || this.closing.signal.aborted || !this.roomForWatch(`service ${service}`)) return;
    const watch: ServiceWatch = { list: Object.freeze([]), listeners: new Set() };
    this.services.set(service, watch);
    this.spawn(
      this.watchLoop(`/v1/services/${encodeURIComponent(service)}`, (res) => {
        if (res.status !== 200) return false;
        const list = parseInstances(res.body);
        if (!list) {
          this.logger.event('warn', 'ignored a malformed instance list', { service });
          return false;
        }
        if (sameInstances(list, watch.list)) return true;
        watch.list = Object.freeze(list);
        for (const listener of [...watch.listeners]) listener(watch.list);
        return true;
      }),
    );
  }

  /** The cached instances of `service`: never a network call (the hot path of every request). Starts
   *  watching the service on first use, so the first call may return an empty list. */
  instances(service: string): readonly ServiceInstance[] {
    this.watchService(service);
    return this.services.get(service)?.list ?? [];
  }

  onInstancesChange(service: string, cb: (list: readonly ServiceInstance[]) => void): () => void {
    this.watchService(service);
    const watch = this.services.get(service);
    watch?.listeners.add(cb);
    return () => watch?.listeners.delete(cb);
  }

  // ---- config center (配置中心) ----

  /**
   * A typed, validated subscription to a config key. `parse` throws on an invalid value: it is logged and the
   * previous value kept. Changes arrive through a blocking query, so within about a second of the write.
   */
  watchConfig<T>(key: string, parse: (raw: unknown) => T, defaults: T): LiveConfig<T> {
    const live = new LiveConfigValue<T>(key, parse, defaults, { warn: (msg, fields) => this.logger.event('warn', msg, fields) });
    let watch = this.keys.get(key);
    if (!watch && !this.roomForWatch(`config ${key}`)) return live;
    if (!watch) {
      const created: KeyWatch = { last: null, subscribers: new Set() };
      this.keys.set(key, (watch = created));
      if (!this.closing.signal.aborted) {
        this.spawn(
          this.watchLoop(`/v1/kv/${keyPath(key)}`, (res) => {
            if (res.status !== 200 && res.status !== 404) return false;
            const absent = res.status === 404;
            const entry = absent ? undefined : (res.body as { value?: unknown; modIndex?: number } | undefined);
            created.last = { raw: entry?.value, absent, modIndex: entry?.modIndex ?? 0 };
            for (const sub of created.subscribers) sub.accept(created.last.raw, absent);
            return true;
          }),
        );
      }
    }
    if (watch.last) live.accept(watch.last.raw, watch.last.absent);
    watch.subscribers.add(live as LiveConfigValue<unknown>);
    return live;
  }

  // ---- admin and status ----

  readonly kv = {
    get: async (key: string): Promise<unknown | undefined> => {
      const res = await this.call('GET', `/v1/kv/${keyPath(key)}`, {});
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw new RegistryRequestError(`GET ${key} answered ${res.status}`, res.status, res.body);
      return (res.body as { value: unknown }).value;
    },
    /** Returns the new modIndex. Not retried on another node after a timeout (it may have been applied). */
    put: async (key: string, value: unknown): Promise<number> => {
      const res = await this.call('PUT', `/v1/kv/${keyPath(key)}`, { body: { value }, retryAfterTimeout: false });
      if (res.status !== 200) throw new RegistryRequestError(`PUT ${key} answered ${res.status}`, res.status, res.body);
      return (res.body as { modIndex: number }).modIndex;
    },
    /** The value with its version, for a compare-and-set write after it. */
    read: async (key: string): Promise<{ value: unknown; modIndex: number } | undefined> => {
      const res = await this.call('GET', `/v1/kv/${keyPath(key)}`, {});
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw new RegistryRequestError(`GET ${key} answered ${res.status}`, res.status, res.body);
      const body = res.body as { value: unknown; modIndex: number };
      return { value: body.value, modIndex: body.modIndex };
    },
    /** `?cas=`: writes only if the key's modIndex is still `modIndex` (0: absent); false on a conflict (409). */
    writeIfUnchanged: async (key: string, value: unknown, modIndex: number): Promise<boolean> => {
      const res = await this.call('PUT', `/v1/kv/${keyPath(key)}?cas=${modIndex}`, { body: { value }, retryAfterTimeout: false });
      if (res.status === 409) return false;
      if (res.status !== 200) throw new RegistryRequestError(`PUT ${key} answered ${res.status}`, res.status, res.body);
      return true;
    },
  };

  async cluster(): Promise<unknown> {
    const res = await this.call('GET', '/v1/cluster', {});
    if (res.status !== 200) throw new RegistryRequestError(`GET /v1/cluster answered ${res.status}`, res.status, res.body);
    return res.body;
  }

  /**
   * healthy is false while no node answers (or none can serve): the caches then hold the last known view,
   * which keeps being served. `detail.servingLastKnownView` says so.
   */
  health(): { healthy: boolean; detail: Record<string, unknown> } {
    return {
      healthy: this.reachable,
      detail: {
        node: this.endpoints.current,
        servingLastKnownView: !this.reachable,
        lastContactAgoMs: this.lastContactAt === null ? null : Math.round(performance.now() - this.lastContactAt),
        lastError: this.lastError,
        registered: this.registration ? `${this.registration.service}/${this.registration.instanceId}` : null,
        services: Object.fromEntries([...this.services].map(([name, w]) => [name, w.list.length])),
        /** Config key -> modIndex of the last version seen (valid or not; 0: absent or not yet read). */
        configs: Object.fromEntries([...this.keys].map(([key, w]) => [key, w.last?.modIndex ?? 0])),
      },
    };
  }

  async close(): Promise<void> {
    this.closing.abort();
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
    await Promise.allSettled([...this.loops]);
    await this.endpoints.close();
  }

  // ---- plumbing ----

  private async call(
    method: 'GET' | 'PUT' | 'DELETE',
    path: string,
    opts: { body?: unknown; timeoutMs?: number; retryAfterTimeout?: boolean; blocking?: boolean },
  ): Promise<RegistryResponse> {
    try {
      const res = await this.endpoints.call(method, path, {
        body: opts.body,
        timeoutMs: opts.timeoutMs ?? this.requestTimeoutMs,
        signal: this.closing.signal,
        retryAfterTimeout: opts.retryAfterTimeout,
        blocking: opts.blocking,
      });
      // A 5xx means no node could serve (no leader); a 401 a token the registry refuses: both leave us blind.
      const ok = res.status < 500 && res.status !== 401;
      this.noteAnswer(ok, ok ? null : `${method} ${path} answered ${res.status}`);
      return res;
    } catch (error) {
      if (error instanceof RegistryUnavailableError) this.noteAnswer(false, error.message);
      throw error;
    }
  }

  private noteAnswer(ok: boolean, error: string | null): void {
    if (ok) {
      if (!this.reachable && this.lastContactAt !== null) this.logger.event('log', 'registry reachable again', { node: this.endpoints.current });
      this.reachable = true;
      this.lastContactAt = performance.now();
      this.lastError = null;
    } else {
      if (this.reachable) this.logger.event('warn', 'registry unreachable; serving the last known view', { error });
      this.reachable = false;
      this.lastError = error;
    }
  }

  /** Watches are bounded (each holds a connection); beyond the bound a lookup gets an empty list, a config its
   *  defaults, and the refusal is logged. */
  private roomForWatch(what: string): boolean {
    if (this.services.size + this.keys.size < MAX_WATCHES) return true;
    this.logger.event('error', 'too many watches; not watching', { what, limit: MAX_WATCHES });
    return false;
  }

  private spawn(loop: Promise<void>): void {
    this.loops.add(loop);
    void loop.finally(() => this.loops.delete(loop));
  }

  /**
   * Consul-style watch: ask, remember X-Raft-Index, ask again with `?index=` so the server answers as soon as
   * something changed. `onAnswer` returns false for an answer it could not use (then the loop backs off).
   */
  private async watchLoop(path: string, onAnswer: (res: RegistryResponse) => boolean): Promise<void> {
    const cursor = new BlockingCursor();
    const signal = this.closing.signal;
    let backoff = 250;
    while (!signal.aborted) {
      const blocking = cursor.index > 0;
      const query = blocking ? `?index=${cursor.index}&wait=${Math.ceil(this.watchWaitMs / 1000)}s` : '';
      try {
        const res = await this.call('GET', `${path}${query}`, { timeoutMs: (blocking ? this.watchWaitMs : 0) + this.requestTimeoutMs, blocking: true });
        if (!onAnswer(res)) {
          if (res.status === 401) this.logger.event('error', 'registry refused our token', { path });
          await sleep(backoff, signal);
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
          continue;
        }
        backoff = 250;
        if (cursor.advance(res.index)) await sleep(NO_PROGRESS_PAUSE_MS, signal);
      } catch (error) {
        if (signal.aborted) return;
        this.logger.event('debug', 'watch failed; retrying', { path, error: String(error) });
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }
}
