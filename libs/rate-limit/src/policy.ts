import { KEY_BY, ON_REDIS_ERROR } from '@shop/contracts';
import type { AlgorithmParams, KeyBy, OnRedisError } from '@shop/contracts';

// A policy's vocabulary (algorithm names, their parameters, key, onRedisError) is declared in @shop/contracts,
// shared with the console that edits it; here is the gateway's parsed form and its validation.

interface PolicyBase {
  name: string;
  /** Methods in upper case; empty = every method. */
  methods: readonly string[];
  /** Matches a request path that starts with it (e.g. "/api/orders"). */
  pathPrefix: string;
  key: KeyBy;
  onRedisError: OnRedisError;
  /**
   * The largest allowance: permits one gateway may take from Redis in one call and spend locally (1 = ask Redis
   * for every request). Named before the word allowance was: the config key's documented field, kept.
   */
  leaseSize: number;
}

export type RateLimitPolicy =
  | (PolicyBase & { algorithm: 'fixed-window' } & AlgorithmParams['fixed-window'])
  | (PolicyBase & { algorithm: 'sliding-window' } & AlgorithmParams['sliding-window'])
  | (PolicyBase & { algorithm: 'leaky-bucket' } & AlgorithmParams['leaky-bucket'])
  | (PolicyBase & { algorithm: 'token-bucket' } & AlgorithmParams['token-bucket']);

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
export const MAX_POLICIES = 32;
/** The sliding log keeps one entry per admitted request: bound its memory. */
export const MAX_SLIDING_LIMIT = 10_000;
/** Default allowance (see allowance.ts): small, and further capped at 1/16 of the policy's budget. */
export const DEFAULT_ALLOWANCE_SIZE = 8;

/**
 * Parses and validates the value of `config/gateway/rate-limits`: an array of policies. Throws an Error naming
 * the first problem (the caller logs it and keeps the previous value).
 */
export function parseRateLimitPolicies(raw: unknown): RateLimitPolicy[] {
  if (!Array.isArray(raw)) throw new Error('rate-limits: expected an array of policies');
  if (raw.length > MAX_POLICIES) throw new Error(`rate-limits: at most ${MAX_POLICIES} policies`);
  const names = new Set<string>();
  return raw.map((item, i) => {
    const policy = parsePolicy(item, `rate-limits[${i}]`);
    if (names.has(policy.name)) throw new Error(`rate-limits[${i}]: duplicate name "${policy.name}"`);
    names.add(policy.name);
    return policy;
  });
}

function parsePolicy(raw: unknown, at: string): RateLimitPolicy {
  const o = object(raw, at);
  const name = o.name;
  if (typeof name !== 'string' || !NAME.test(name)) throw new Error(`${at}.name: expected /${NAME.source}/`);
  const match = o.match === undefined ? {} : object(o.match, `${at}.match`);
  const methods = match.methods === undefined ? [] : match.methods;
  if (!Array.isArray(methods) || !methods.every((m) => typeof m === 'string' && METHODS.has(m))) {
    throw new Error(`${at}.match.methods: expected an array of ${[...METHODS].join(', ')}`);
  }
  const pathPrefix = match.pathPrefix ?? '/';
  if (typeof pathPrefix !== 'string' || !pathPrefix.startsWith('/') || pathPrefix.length > 256) {
    throw new Error(`${at}.match.pathPrefix: expected a path starting with /`);
  }
  const key = o.key ?? 'ip';
  if (!isOneOf(KEY_BY, key)) throw new Error(`${at}.key: expected ip, customer or global`);
  const onRedisError = o.onRedisError ?? 'open';
  if (!isOneOf(ON_REDIS_ERROR, onRedisError)) throw new Error(`${at}.onRedisError: expected open, closed or local`);
  const leaseSize = int(o.leaseSize ?? DEFAULT_ALLOWANCE_SIZE, `${at}.leaseSize`, 1, 256);
  const base: PolicyBase = { name, methods: methods as string[], pathPrefix, key, onRedisError, leaseSize };
  switch (o.algorithm) {
    case 'fixed-window':
      return { ...base, algorithm: 'fixed-window', limit: int(o.limit, `${at}.limit`, 1, 1e9), windowMs: int(o.windowMs, `${at}.windowMs`, 1, 864e5) };
    case 'sliding-window':
      return {
        ...base,
        algorithm: 'sliding-window',
        limit: int(o.limit, `${at}.limit`, 1, MAX_SLIDING_LIMIT),
        windowMs: int(o.windowMs, `${at}.windowMs`, 1, 864e5),
      };
    case 'token-bucket':
      return {
        ...base,
        algorithm: 'token-bucket',
        capacity: int(o.capacity, `${at}.capacity`, 1, 1e6),
        refillPerSec: rate(o.refillPerSec, `${at}.refillPerSec`),
      };
    case 'leaky-bucket':
      return { ...base, algorithm: 'leaky-bucket', ratePerSec: rate(o.ratePerSec, `${at}.ratePerSec`), queue: int(o.queue ?? 0, `${at}.queue`, 0, 1000) };
    default:
      throw new Error(`${at}.algorithm: expected fixed-window, sliding-window, leaky-bucket or token-bucket`);
  }
}

function isOneOf<T extends string>(values: readonly T[], raw: unknown): raw is T {
  return (values as readonly unknown[]).includes(raw);
}

function object(raw: unknown, at: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${at}: expected an object`);
  return raw as Record<string, unknown>;
}

function int(raw: unknown, at: string, min: number, max: number): number {
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max) {
    throw new Error(`${at}: expected an integer in [${min}, ${max}]`);
  }
  return raw;
}

/** Per-second rates with at most 3 decimals keep the fixed-point arithmetic exact (see UNIT). */
function rate(raw: unknown, at: string): number {
  if (typeof raw !== 'number' || !(raw >= 0.001) || raw > 1e6 || Math.abs(raw * 1000 - Math.round(raw * 1000)) > 1e-9) {
    throw new Error(`${at}: expected a number in [0.001, 1000000] with at most 3 decimals`);
  }
  return raw;
}
