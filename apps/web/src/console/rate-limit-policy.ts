import type { AlgorithmName, AlgorithmParams } from '@shop/contracts';
import type { Json } from '../api/console-api';

/**
 * How the console edits a rate limit policy as `config/gateway/rate-limits` holds it (an array of these; the
 * gateway validates with @shop/rate-limit's parseRateLimitPolicies). The algorithms' names and parameters are
 * the gateway's own declarations (@shop/contracts): a parameter renamed there no longer compiles here.
 */
export interface ParamSpec<Field extends string = string> {
  field: Field;
  label: string;
  integer: boolean;
  min: number;
}

/** Each algorithm's parameters, with the label and bounds of their input fields. */
export const ALGORITHM_PARAMS: { [A in AlgorithmName]: ParamSpec<keyof AlgorithmParams[A] & string>[] } = {
  'fixed-window': [
    { field: 'limit', label: 'Limit (requests per window)', integer: true, min: 1 },
    { field: 'windowMs', label: 'Window (ms)', integer: true, min: 1 },
  ],
  'sliding-window': [
    { field: 'limit', label: 'Limit (requests per window)', integer: true, min: 1 },
    { field: 'windowMs', label: 'Window (ms)', integer: true, min: 1 },
  ],
  'token-bucket': [
    { field: 'capacity', label: 'Capacity (tokens)', integer: true, min: 1 },
    { field: 'refillPerSec', label: 'Refill (tokens per second)', integer: false, min: 0.001 },
  ],
  'leaky-bucket': [
    { field: 'ratePerSec', label: 'Leak rate (requests per second)', integer: false, min: 0.001 },
    { field: 'queue', label: 'Queue (requests held, 0 = reject at once)', integer: true, min: 0 },
  ],
};

/** The seed's 计数器, 滑动窗口, 漏桶, 令牌桶 (in English on the page: not every machine has CJK fonts). */
export const ALGORITHM_LABELS: Record<AlgorithmName, string> = {
  'fixed-window': 'Fixed window',
  'sliding-window': 'Sliding window',
  'leaky-bucket': 'Leaky bucket',
  'token-bucket': 'Token bucket',
};

export const isAlgorithm = (v: unknown): v is AlgorithmName => typeof v === 'string' && v in ALGORITHM_PARAMS;

const ALL_PARAMS = new Set<string>(Object.values(ALGORITHM_PARAMS).flatMap((specs) => specs.map((s) => s.field)));
type Policy = Record<string, Json>;
const n = (v: Json | undefined): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const perSecond = (limit: number, windowMs: number): number => Math.max(0.001, Math.round((limit * 1000 * 1000) / windowMs) / 1000);

/**
 * The same policy under another algorithm, with parameters carried over so that the budget stays about the
 * same (a limit of 10 per 1000 ms becomes a bucket of 10 refilled at 10/s), and the old algorithm's own
 * parameters removed (the gateway would reject them mixed).
 */
export function switchAlgorithm(policy: Readonly<Policy>, algorithm: AlgorithmName): Policy {
  const limit = n(policy.limit) ?? n(policy.capacity) ?? (n(policy.ratePerSec) !== undefined ? Math.max(1, Math.round(n(policy.ratePerSec) as number)) : undefined) ?? 10;
  const windowMs = n(policy.windowMs) ?? 1000;
  const rate = n(policy.refillPerSec) ?? n(policy.ratePerSec) ?? perSecond(limit, windowMs);
  const kept: Policy = {};
  for (const [k, v] of Object.entries(policy)) if (!ALL_PARAMS.has(k)) kept[k] = v;
  kept.algorithm = algorithm;
  switch (algorithm) {
    case 'fixed-window':
    case 'sliding-window':
      return { ...kept, limit, windowMs };
    case 'token-bucket':
      return { ...kept, capacity: n(policy.capacity) ?? limit, refillPerSec: rate };
    case 'leaky-bucket':
      return { ...kept, ratePerSec: rate, queue: n(policy.queue) ?? 0 };
  }
}
