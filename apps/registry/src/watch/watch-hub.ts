import type { Change } from '../state-machine/registry-state-machine';

/** What a blocking query watches. */
export type WatchTopic =
  | { readonly kind: 'kv'; readonly key: string; readonly recurse: boolean }
  | { readonly kind: 'service'; readonly service: string }
  | { readonly kind: 'services' };

export class TooManyWaitersError extends Error {
  constructor(limit: number) {
    super(`too many blocking queries waiting on this node (limit ${limit})`);
    this.name = 'TooManyWaitersError';
  }
}

/** One client (an address) already holds its share of the node's blocking queries. */
export class TooManyClientWaitersError extends Error {
  constructor(limit: number) {
    super(`this client holds ${limit} blocking queries on this node, its limit; wait for one to end`);
    this.name = 'TooManyClientWaitersError';
  }
}

interface Waiter {
  readonly after: number;
  readonly wake: () => void;
  readonly release: () => void;
}

/**
 * Blocking queries (Consul-style `?index=N&wait=`): a waiter sleeps until a change with a Raft index above N
 * touches what it watches, or its wait ends. Changes come from the state machine as it applies entries, on
 * every node, so a query on a follower wakes when that follower applies a write made through any node.
 * Bounded: at most `maxWaiters` sleep at once (each holds an HTTP request open), and at most
 * `maxWaitersPerClient` of them for one client, so that one client cannot take every slot from the others.
 */
export class WatchHub {
  private readonly byKey = new Map<string, Set<Waiter>>();
  private readonly byPrefix = new Map<string, Set<Waiter>>();
  private readonly byService = new Map<string, Set<Waiter>>();
  private readonly onServices = new Set<Waiter>();
  private count = 0;
  private readonly byClient = new Map<string, number>();

  constructor(
    private readonly maxWaiters: number,
    private readonly maxWaitersPerClient: number = maxWaiters,
  ) {}

  get waiting(): number {
    return this.count;
  }

  /**
   * Resolves true when a change past `after` arrives, false when `timeoutMs` passes or `signal` aborts first.
   * Rejects with TooManyWaitersError when the node's bound is reached, TooManyClientWaitersError when `client`'s.
   */
  wait(topic: WatchTopic, after: number, timeoutMs: number, signal?: AbortSignal, client = ''): Promise<boolean> {
    if (this.count >= this.maxWaiters) return Promise.reject(new TooManyWaitersError(this.maxWaiters));
    const held = this.byClient.get(client) ?? 0;
    if (held >= this.maxWaitersPerClient) return Promise.reject(new TooManyClientWaitersError(this.maxWaitersPerClient));
    this.byClient.set(client, held + 1);
    const set = this.setFor(topic);
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const finish = (changed: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        set.delete(waiter);
        this.count--;
        const left = (this.byClient.get(client) ?? 1) - 1;
        if (left === 0) this.byClient.delete(client);
        else this.byClient.set(client, left);
        if (set.size === 0) this.dropEmpty(topic);
        resolve(changed);
      };
      const onAbort = () => finish(false);
      const waiter: Waiter = { after, wake: () => finish(true), release: () => finish(false) };
      const timer = setTimeout(() => finish(false), timeoutMs);
      set.add(waiter);
      this.count++;
      if (signal?.aborted) finish(false);
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Ends every wait now (shutdown): each blocking query answers with what it has, so that the HTTP server can
   *  close without waiting minutes for them. */
  releaseAll(): void {
    for (const set of [...this.byKey.values(), ...this.byPrefix.values(), ...this.byService.values(), this.onServices]) {
      for (const waiter of [...set]) waiter.release();
    }
  }

  /** Called by the state machine for every change it applies. */
  notify(change: Change): void {
    if (this.count === 0) return;
    if (change.kind === 'kv') {
      this.wakeAll(this.byKey.get(change.key), change.index);
      for (const [prefix, waiters] of this.byPrefix) if (change.key.startsWith(prefix)) this.wakeAll(waiters, change.index);
    } else if (change.kind === 'service') {
      this.wakeAll(this.byService.get(change.service), change.index);
      this.wakeAll(this.onServices, change.index);
    }
  }

  private wakeAll(waiters: Set<Waiter> | undefined, index: number): void {
    if (!waiters) return;
    for (const waiter of [...waiters]) if (index > waiter.after) waiter.wake();
  }

  private setFor(topic: WatchTopic): Set<Waiter> {
    const [map, name] = this.mapFor(topic);
    if (!map) return this.onServices;
    let set = map.get(name);
    if (!set) map.set(name, (set = new Set()));
    return set;
  }

  private dropEmpty(topic: WatchTopic): void {
    const [map, name] = this.mapFor(topic);
    map?.delete(name);
  }

  private mapFor(topic: WatchTopic): [Map<string, Set<Waiter>> | null, string] {
    switch (topic.kind) {
      case 'kv':
        return [topic.recurse ? this.byPrefix : this.byKey, topic.key];
      case 'service':
        return [this.byService, topic.service];
      case 'services':
        return [null, ''];
    }
  }
}
