import { randomBytes } from 'node:crypto';
import { inSpan, metricsRegistry, SpanKind } from '@shop/common';
import type { Redis } from 'ioredis';
import { Counter } from 'prom-client';
import { BEGIN_SCRIPT, COMPLETE_SCRIPT, ISSUE_SCRIPT, RELEASE_SCRIPT, RENEW_SCRIPT } from './token-scripts';

export interface IdempotencyOptions {
  /** How long an unused token stays valid. */
  tokenTtlMs: number;
  /**
   * How long a request owns a token before a retry may take it over (the request is presumed crashed). Short, so
   * that a retry of a request whose instance died waits little; a request still running renews it (holdWhile).
   */
  processingLeaseMs: number;
  /** How long a finished token keeps its stored response (Stripe keeps 24 h). */
  doneRetentionMs: number;
  /** Prefix of the Redis keys, e.g. 'idem:'. */
  keyPrefix: string;
}

export const DEFAULT_IDEMPOTENCY_OPTIONS: IdempotencyOptions = {
  tokenTtlMs: 60 * 60 * 1000,
  // Was 15 s: every order in flight at a killed order instance then waited 15 s (409 to each retry), the
  // accept p99 of `npm run chaos -- --scenario kill-order`. Even a takeover of a live request is safe: the
  // unique index on the key absorbs the second insert (PlaceOrderHandler).
  processingLeaseMs: 2_000,
  doneRetentionMs: 24 * 60 * 60 * 1000,
  keyPrefix: 'idem:',
};

export interface IssuedToken {
  token: string;
  expiresAt: string;
}

/** A response kept with a finished token and replayed to every retry. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

export type BeginOutcome =
  | { kind: 'started' }
  | { kind: 'unknown' }
  | { kind: 'wrong_customer' }
  | { kind: 'in_flight' }
  | { kind: 'mismatch' }
  | { kind: 'replay'; response: StoredResponse };

export type CompleteOutcome =
  | { kind: 'completed' }
  | { kind: 'already_done'; response: StoredResponse }
  | { kind: 'unknown' }
  | { kind: 'not_owner' };

export type ReleaseOutcome = 'released' | 'unknown' | 'not_owner';

/** One Redis round trip per transition: `npm run bench:orders` divides it by the orders placed. */
const redisCalls = new Counter({
  name: 'idempotency_redis_calls_total',
  help: 'Redis calls of the idempotency token store (one script, one round trip each), by transition',
  labelNames: ['transition'] as const,
  registers: [metricsRegistry],
});

const TOKEN_FORMAT = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * Idempotency tokens in Redis (the seed's "Redis token mechanism"): issue -> begin (new -> processing) ->
 * complete (processing -> done + response) or release (processing -> new). Each transition is one Lua script.
 */
export class IdempotencyTokenStore {
  constructor(
    private readonly redis: Redis,
    private readonly options: IdempotencyOptions = DEFAULT_IDEMPOTENCY_OPTIONS,
  ) {}

  /** A token for `customerId`; only a request for that customer may use it. */
  async issue(customerId: string): Promise<IssuedToken> {
    const token = randomBytes(18).toString('base64url');
    const issued = await this.eval('issue', ISSUE_SCRIPT, this.key(token), customerId, String(this.options.tokenTtlMs));
    if (issued !== 1) throw new Error('idempotency token id clash; refusing to reuse an existing token');
    return { token, expiresAt: new Date(Date.now() + this.options.tokenTtlMs).toISOString() };
  }

  /** new -> processing, or the reason why this request may not proceed. */
  async begin(token: string, customerId: string, fingerprint: string): Promise<BeginOutcome> {
    if (!TOKEN_FORMAT.test(token)) return { kind: 'unknown' };
    const reply = (await this.eval(
      'begin',
      BEGIN_SCRIPT,
      this.key(token),
      customerId,
      fingerprint,
      String(this.options.processingLeaseMs),
    )) as [string, string?];
    const [outcome, response] = reply;
    switch (outcome) {
      case 'started':
      case 'unknown':
      case 'wrong_customer':
      case 'in_flight':
      case 'mismatch':
        return { kind: outcome };
      case 'replay':
        return { kind: 'replay', response: parseResponse(response) };
      default:
        throw new Error(`unexpected answer from the begin script: ${String(outcome)}`);
    }
  }

  /** processing -> done, keeping `response` for replays. */
  async complete(token: string, fingerprint: string, response: StoredResponse): Promise<CompleteOutcome> {
    const reply = (await this.eval(
      'complete',
      COMPLETE_SCRIPT,
      this.key(token),
      fingerprint,
      JSON.stringify(response),
      String(this.options.doneRetentionMs),
    )) as [string, string?];
    const [outcome, stored] = reply;
    switch (outcome) {
      case 'completed':
      case 'unknown':
      case 'not_owner':
        return { kind: outcome };
      case 'already_done':
        return { kind: 'already_done', response: parseResponse(stored) };
      default:
        throw new Error(`unexpected answer from the complete script: ${String(outcome)}`);
    }
  }

  /**
   * Runs the work of a request that began with this token, renewing its lease every third of it until the work
   * ends, so a slow request keeps its token and only a crashed one loses it after `processingLeaseMs`. A renewal
   * that fails (Redis away) is left to the next one; the lease then runs out as for a crash.
   */
  async holdWhile<T>(token: string, fingerprint: string, work: () => Promise<T>): Promise<T> {
    const renew = (): void => {
      redisCalls.inc({ transition: 'renew' });
      this.redis.eval(RENEW_SCRIPT, 1, this.key(token), fingerprint, String(this.options.processingLeaseMs)).catch(() => undefined);
    };
    const timer = setInterval(renew, Math.max(1, Math.floor(this.options.processingLeaseMs / 3)));
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  /** processing -> new: the request wrote nothing, so a retry with the same key may start over. */
  async release(token: string, fingerprint: string): Promise<ReleaseOutcome> {
    const outcome = await this.eval('release', RELEASE_SCRIPT, this.key(token), fingerprint);
    if (outcome === 'released' || outcome === 'unknown' || outcome === 'not_owner') return outcome;
    throw new Error(`unexpected answer from the release script: ${String(outcome)}`);
  }

  /** One transition: one script on one key, counted and (with tracing on) a span. */
  private eval(transition: 'issue' | 'begin' | 'complete' | 'release', script: string, key: string, ...args: string[]): Promise<unknown> {
    redisCalls.inc({ transition });
    return inSpan(
      `redis EVAL idempotency.${transition}`,
      { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'redis', 'db.operation.name': 'EVAL' } },
      () => this.redis.eval(script, 1, key, ...args),
    );
  }

  private key(token: string): string {
    return `${this.options.keyPrefix}${token}`;
  }
}

function parseResponse(raw: string | undefined): StoredResponse {
  if (raw === undefined) throw new Error('a finished idempotency token has no stored response');
  const parsed = JSON.parse(raw) as StoredResponse;
  if (typeof parsed?.status !== 'number') throw new Error('stored idempotent response is malformed');
  return parsed;
}
