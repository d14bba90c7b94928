import type Redis from 'ioredis';
import { advertisedLimit, algorithmOf } from './algorithm-table';
import { Decision } from './algorithms/decision';
import { Grant, AllowanceBook, allowanceShiftMs, maxAllowance, maxShare } from './allowance/allowance';
import { LocalRateLimiter } from './local-rate-limiter';
import type { RateLimitPolicy } from './policy';
import { LimitCheck, RedisRateLimiter } from './redis-rate-limiter';

/** Who is asking: the client IP (after the trusted-proxy rule) and the customer id when the request has one. */
export interface RequestIdentity {
  ip: string;
  customer: string | undefined;
}

/** Live counts of one policy since start (the status page and metrics read them; the hot path only adds). */
export interface PolicyStats {
  admitted: number;
  rejected: number;
  delayed: number;
  /** Decisions made while Redis could not answer, by this policy's onRedisError. */
  failedOpen: number;
  failedClosed: number;
  decidedLocally: number;
}

export interface Verdict {
  /** admit: forward (after delayMs); reject: 429; unavailable: a fail-closed policy could not decide (503). */
  outcome: 'admit' | 'reject' | 'unavailable';
  delayMs: number;
  /** The most constraining policy's numbers, for the RateLimit-* headers and Retry-After. */
  limit: number;
  remaining: number;
  resetMs: number;
  retryAfterMs: number;
  /** The policy that rejected (or could not decide), for logs. */
  policy: string | undefined;
}

export type RedisState = 'connecting' | 'ready' | 'down' | 'none';

interface CompiledPolicy {
  policy: RateLimitPolicy;
  methods: ReadonlySet<string> | undefined;
  keyPrefix: string;
  globalKey: string;
  /** The algorithm's code and its two Lua parameters (`luaArgs`), as the script takes them. */
  algorithmCode: number;
  params: readonly [number, number];
  limit: number;
  /** Largest allowance (1: no allowances), its sliding-log shift, and the leaky bucket's drain rate (units per ms). */
  maxAllowance: number;
  shiftMs: number;
  leakPerMs: number;
  /** A fast leaky bucket's largest outflow share (departures per ms; 0: none): it hands out that instead of slots. */
  maxShare: number;
  /** Whether this gateway may hold permits of the policy at all (an allowance or a share). */
  takesAllowances: boolean;
  /** A fixed window's allowance permits die with their window. */
  endsAtReset: boolean;
  stats: PolicyStats;
}

export interface RateLimitEngineOptions {
  /** A client made with `enableOfflineQueue: false` (fail fast while down) and `enableAutoPipelining: true`. */
  redis: Redis | undefined;
  /** Keeps keys of different deployments (or test runs) apart. */
  keyPrefix?: string;
  localMaxKeys?: number;
  /** This process's clock (ms) for allowances; tests may pass their own. */
  clock?: () => number;
  onRedisStateChange?: (state: RedisState, error?: Error) => void;
}

const emptyStats = (): PolicyStats => ({ admitted: 0, rejected: 0, delayed: 0, failedOpen: 0, failedClosed: 0, decidedLocally: 0 });

/**
 * 限流: applies every policy that matches a request (method + path prefix), keyed by IP, customer or globally,
 * in one Redis call, and applies each policy's own choice when Redis cannot answer. Never turns an error into
 * a 429.
 */
export class RateLimitEngine {
  private compiled: CompiledPolicy[] = [];
  private readonly redisLimiter: RedisRateLimiter | undefined;
  private readonly local: LocalRateLimiter;
  private readonly allowances = new AllowanceBook();
  /** Requests decided by allowance permits alone, without a Redis call (status page, benchmark). */
  private decidedFromLeases = 0;
  private readonly clock: () => number;
  private readonly keyPrefix: string;
  private redisState: RedisState;
  private lastRedisError: string | undefined;
  /** Stats survive a policy reload when the policy keeps its name. */
  private readonly statsByName = new Map<string, PolicyStats>();

  constructor(private readonly opts: RateLimitEngineOptions) {
    this.keyPrefix = opts.keyPrefix ?? 'rl:';
    this.local = new LocalRateLimiter(opts.localMaxKeys);
    this.clock = opts.clock ?? Date.now;
    const redis = opts.redis;
    this.redisLimiter = redis ? new RedisRateLimiter(redis) : undefined;
    this.redisState = redis ? (redis.status === 'ready' ? 'ready' : 'connecting') : 'none';
    if (redis) {
      redis.on('ready', () => this.setRedisState('ready'));
      redis.on('error', (error: Error) => this.setRedisState('down', error));
      redis.on('end', () => this.setRedisState('down'));
      redis.on('close', () => this.setRedisState('down'));
    }
  }

  setPolicies(policies: readonly RateLimitPolicy[]): void {
    this.compiled = policies.map((policy) => {
      const algorithm = algorithmOf(policy);
      const params = algorithm.luaArgs(policy);
      let stats = this.statsByName.get(policy.name);
      if (!stats) this.statsByName.set(policy.name, (stats = emptyStats()));
      const keyPrefix = `${this.keyPrefix}${policy.name}:${policy.key}:`;
      const allowance = maxAllowance(policy);
      const share = maxShare(policy);
      return {
        policy,
        methods: policy.methods.length > 0 ? new Set(policy.methods) : undefined,
        keyPrefix,
        globalKey: `${keyPrefix}*`,
        algorithmCode: algorithm.code,
        params,
        limit: advertisedLimit(policy),
        maxAllowance: allowance,
        shiftMs: allowanceShiftMs(policy),
        leakPerMs: policy.algorithm === 'leaky-bucket' ? params[0] : 0,
        maxShare: share,
        takesAllowances: allowance > 1 || share > 0,
        endsAtReset: policy.algorithm === 'fixed-window',
        stats,
      };
    });
    for (const name of [...this.statsByName.keys()]) {
      if (!policies.some((p) => p.name === name)) this.statsByName.delete(name);
    }
  }

  /**
   * undefined when no policy applies (the common fast path: no promise, no allocation); the verdict itself when
   * allowance permits decide it (no promise either: the request goes on in the same turn); a promise when Redis
   * (or the fallback) must answer.
   */
  check(method: string, path: string, who: RequestIdentity): Verdict | Promise<Verdict> | undefined {
    let matched: CompiledPolicy[] | undefined;
    for (const c of this.compiled) {
      if (c.methods !== undefined && !c.methods.has(method)) continue;
      if (!path.startsWith(c.policy.pathPrefix)) continue;
      (matched ??= []).push(c);
    }
    if (matched === undefined) return undefined;
    const keys = matched.map((c) => this.keyFor(c, who));
    const now = this.clock();
    let covered = 0;
    for (let i = 0; i < matched.length; i++) if (matched[i]!.takesAllowances && this.allowances.has(keys[i]!, now)) covered++;
    if (covered === matched.length) {
      this.decidedFromLeases++;
      const verdict = this.verdict(matched, keys.map((key) => this.allowances.take(key, now)));
      this.takeAllowancesAhead(matched, keys);
      return verdict;
    }
    // Partly covered: spend the allowance permits held (given back if the request is refused), ask Redis for the
    // rest. A leaky bucket's permits are departures due in this very ms (a slot, or a share of this ms's
    // outflow), which a request that waits for Redis would spend late: those always ask Redis.
    let held: (Decision | undefined)[] | undefined;
    if (covered > 0) {
      held = new Array<Decision | undefined>(matched.length);
      for (let i = 0; i < matched.length; i++) {
        if (matched[i]!.maxAllowance > 1 && matched[i]!.leakPerMs === 0 && this.allowances.has(keys[i]!, now)) held[i] = this.allowances.take(keys[i]!, now);
      }
    }
    const verdict = this.decide(matched, keys, held);
    if (held !== undefined) this.takeAllowancesAhead(matched, keys);
    return verdict;
  }

  /**
   * Takes the next allowance of each key running low in the background, so that steady load never waits for Redis;
   * for a fast leaky bucket, the next epoch's outflow share when the running one is about to end.
   */
  private takeAllowancesAhead(matched: CompiledPolicy[], keys: string[]): void {
    if (this.redisLimiter === undefined || this.opts.redis!.status !== 'ready') return;
    for (let i = 0; i < matched.length; i++) {
      const c = matched[i]!;
      const key = keys[i]!;
      if (c.maxShare > 0) {
        const want = this.allowances.wantShareAhead(key, c.maxShare, this.clock());
        if (want > 0) this.askInBackground({ key, algorithmCode: c.algorithmCode, params: c.params, ask: 'share-next-epoch', amount: want, shiftMs: 0 }, (grant, sentAt, receivedAt) => this.allowances.settleShareAhead(key, grant, sentAt, receivedAt));
        continue;
      }
      // A leaky bucket's slots are never taken ahead: they would be plain permits, spent at any time.
      if (c.maxAllowance === 1 || c.leakPerMs > 0) continue;
      const want = this.allowances.wantAhead(key, c.maxAllowance);
      if (want > 0) this.askInBackground({ key, algorithmCode: c.algorithmCode, params: c.params, ask: 'permits', amount: want, shiftMs: c.shiftMs }, (grant, sentAt, receivedAt) => this.allowances.settleAhead(key, grant, sentAt, receivedAt, c.endsAtReset));
    }
  }

  /** One call for no request: its grant (undefined when Redis failed) goes to `settle`, with the times that bound Redis's instant. */
  private askInBackground(check: LimitCheck, settle: (grant: Grant | undefined, sentAt: number, receivedAt: number) => void): void {
    const sentAt = this.clock();
    this.redisLimiter!.decide([check]).then(
      (grants) => settle(grants[0], sentAt, this.clock()),
      (error: unknown) => {
        this.setRedisState('down', error as Error);
        settle(undefined, sentAt, this.clock());
      },
    );
  }

  policies(): { policy: RateLimitPolicy; stats: PolicyStats }[] {
    return this.compiled.map((c) => ({ policy: c.policy, stats: c.stats }));
  }

  /** The Redis state, how many script calls decided how many requests (the batching at work), and how many requests allowance permits decided. */
  redisStatus(): { state: RedisState; lastError: string | undefined; scriptCalls: number; requestsDecided: number; decidedFromLeases: number } {
    const counters = this.redisLimiter?.counters ?? { calls: 0, requests: 0 };
    return {
      state: this.redisState,
      lastError: this.lastRedisError,
      scriptCalls: counters.calls,
      requestsDecided: counters.requests,
      decidedFromLeases: this.decidedFromLeases,
    };
  }

  private async decide(matched: CompiledPolicy[], keys: string[], held: (Decision | undefined)[] | undefined): Promise<Verdict> {
    // Gate on the connection itself: while it is down, ioredis (without offline queue) would only throw.
    if (this.redisLimiter !== undefined && this.opts.redis!.status === 'ready') {
      const sentAt = this.clock();
      // Per policy not held: allowance > 0 when this request carries the allowance call for its key (0: none, or one is
      // already on its way, so this request asks for its own permit only).
      const asked: number[] = [];
      const allowance: number[] = [];
      const checks: LimitCheck[] = [];
      for (let i = 0; i < matched.length; i++) {
        if (held?.[i] !== undefined) continue;
        const c = matched[i]!;
        const want = c.maxShare > 0 ? this.allowances.wantShare(keys[i]!, c.maxShare, sentAt) : c.maxAllowance > 1 ? this.allowances.want(keys[i]!, c.maxAllowance, sentAt) : 0;
        asked.push(i);
        allowance.push(want);
        const asksShare = c.maxShare > 0 && want > 0;
        checks.push({ key: keys[i]!, algorithmCode: c.algorithmCode, params: c.params, ask: asksShare ? 'share' : 'permits', amount: asksShare ? want : Math.max(1, want), shiftMs: c.shiftMs });
      }
      let grants: Grant[] | undefined;
      try {
        grants = await this.redisLimiter.decide(checks);
      } catch (error) {
        this.setRedisState('down', error as Error);
      }
      const receivedAt = this.clock();
      for (let j = 0; j < asked.length; j++) {
        const c = matched[asked[j]!]!;
        if (allowance[j]! === 0) continue;
        if (c.maxShare > 0) this.allowances.settleShare(keys[asked[j]!]!, grants?.[j], sentAt, receivedAt);
        else this.allowances.settle(keys[asked[j]!]!, grants?.[j], sentAt, receivedAt, c.leakPerMs, c.endsAtReset);
      }
      if (grants !== undefined) {
        if (this.redisState !== 'ready') this.setRedisState('ready');
        if (held === undefined) return this.verdict(matched, grants);
        const decisions: Decision[] = [];
        for (let i = 0, j = 0; i < held.length; i++) decisions.push(held[i] ?? grants[j++]!);
        if (!grants.every((g) => g.allowed)) this.giveBack(keys, held);
        return this.verdict(matched, decisions);
      }
    }
    if (held !== undefined) this.giveBack(keys, held);
    return this.decideWithoutRedis(matched, keys);
  }

  /** All-or-nothing: a request refused (or decided without Redis) keeps none of the allowance permits it held. */
  private giveBack(keys: string[], held: (Decision | undefined)[]): void {
    for (let i = 0; i < held.length; i++) if (held[i] !== undefined) this.allowances.giveBack(keys[i]!);
  }

  /** Each policy's own onRedisError: open skips it, closed refuses (503), local decides in memory. */
  private decideWithoutRedis(matched: CompiledPolicy[], keys: string[]): Verdict {
    const local: { key: string; policy: RateLimitPolicy }[] = [];
    const localIndex: number[] = [];
    let closed: CompiledPolicy | undefined;
    matched.forEach((c, i) => {
      switch (c.policy.onRedisError) {
        case 'open':
          c.stats.failedOpen++;
          break;
        case 'closed':
          c.stats.failedClosed++;
          closed ??= c;
          break;
        case 'local':
          c.stats.decidedLocally++;
          local.push({ key: keys[i]!, policy: c.policy });
          localIndex.push(i);
          break;
      }
    });
    if (closed !== undefined) {
      return { outcome: 'unavailable', delayMs: 0, limit: closed.limit, remaining: 0, resetMs: 1000, retryAfterMs: 1000, policy: closed.policy.name };
    }
    if (local.length === 0) return { outcome: 'admit', delayMs: 0, limit: 0, remaining: 0, resetMs: 0, retryAfterMs: 0, policy: undefined };
    return this.verdict(localIndex.map((i) => matched[i]!), this.local.decide(local));
  }

  private verdict(matched: CompiledPolicy[], decisions: Decision[]): Verdict {
    let tightest = 0;
    let rejecting = -1;
    let delayMs = 0;
    for (let i = 0; i < decisions.length; i++) {
      const d = decisions[i]!;
      if (!d.allowed && (rejecting < 0 || d.retryAfterMs > decisions[rejecting]!.retryAfterMs)) rejecting = i;
      if (d.remaining < decisions[tightest]!.remaining) tightest = i;
      if (d.delayMs > delayMs) delayMs = d.delayMs;
    }
    if (rejecting >= 0) {
      for (let i = 0; i < decisions.length; i++) if (!decisions[i]!.allowed) matched[i]!.stats.rejected++;
      const d = decisions[rejecting]!;
      const c = matched[rejecting]!;
      return { outcome: 'reject', delayMs: 0, limit: c.limit, remaining: 0, resetMs: d.resetMs, retryAfterMs: d.retryAfterMs, policy: c.policy.name };
    }
    for (const c of matched) c.stats.admitted++;
    if (delayMs > 0) for (let i = 0; i < decisions.length; i++) if (decisions[i]!.delayMs > 0) matched[i]!.stats.delayed++;
    const d = decisions[tightest]!;
    return { outcome: 'admit', delayMs, limit: matched[tightest]!.limit, remaining: d.remaining, resetMs: d.resetMs, retryAfterMs: 0, policy: undefined };
  }

  private keyFor(c: CompiledPolicy, who: RequestIdentity): string {
    switch (c.policy.key) {
      case 'global':
        return c.globalKey;
      case 'ip':
        return c.keyPrefix + who.ip;
      case 'customer':
        // Anonymous requests share their IP's budget rather than one global anonymous bucket.
        return who.customer !== undefined ? c.keyPrefix + who.customer : `${c.keyPrefix}anon@${who.ip}`;
    }
  }

  private setRedisState(state: RedisState, error?: Error): void {
    if (error) this.lastRedisError = error.message;
    if (state === this.redisState) return;
    this.redisState = state;
    this.opts.onRedisStateChange?.(state, error);
  }
}
