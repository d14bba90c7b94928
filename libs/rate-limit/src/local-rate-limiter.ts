import { Decision } from './algorithms/decision';
import { algorithmOf } from './algorithm-table';
import type { RateLimitPolicy } from './policy';

/**
 * The in-memory fallback (`onRedisError: "local"`): the same pure decision functions, this process's clock,
 * state in a Map bounded by `maxKeys` (oldest key evicted first), no timer per key. While it is in use each
 * gateway enforces the limit on its own, so N gateways admit up to N times the limit: that is the price of
 * staying up without Redis, and why it is a per-policy choice.
 */
export class LocalRateLimiter {
  private readonly states = new Map<string, unknown>();

  constructor(
    private readonly maxKeys = 100_000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Decides all `checks` of one request, all-or-nothing like the Redis script. */
  decide(checks: readonly { key: string; policy: RateLimitPolicy }[]): Decision[] {
    const now = this.clock();
    const steps = checks.map((c) => algorithmOf(c.policy).decide(this.states.get(c.key), now, c.policy));
    if (steps.every((s) => s.decision.allowed)) {
      checks.forEach((c, i) => this.store(c.key, steps[i]!.state));
    }
    return steps.map((s) => s.decision);
  }

  get size(): number {
    return this.states.size;
  }

  private store(key: string, state: unknown): void {
    this.states.delete(key);
    this.states.set(key, state);
    if (this.states.size > this.maxKeys) this.states.delete(this.states.keys().next().value!);
  }
}
