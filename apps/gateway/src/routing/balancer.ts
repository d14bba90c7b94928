import type { BalancerName } from '@shop/contracts';

/** What a balancer needs to know about an instance. */
export interface Balanceable {
  /** Requests sent and not yet finished (for least-outstanding). */
  outstanding: number;
  /** meta.weight, 1 when absent (for weighted). */
  weight: number;
}

/**
 * 负载均衡: picks one of `candidates`, never `exclude` (the instance a retry just failed on) unless it is the
 * only one. O(n) in the number of instances, no allocation per pick.
 */
export interface Balancer<T extends Balanceable> {
  pick(candidates: readonly T[], exclude?: T): T | undefined;
}

/** Each instance in turn. */
export class RoundRobinBalancer<T extends Balanceable> implements Balancer<T> {
  private next = 0;

  pick(candidates: readonly T[], exclude?: T): T | undefined {
    const n = candidates.length;
    if (n === 0) return undefined;
    for (let i = 0; i < n; i++) {
      const c = candidates[this.next++ % n]!;
      if (c !== exclude || n === 1) return c;
    }
    return undefined;
  }
}

/**
 * Smooth weighted round robin (nginx's): over any sum(weights) consecutive picks each instance gets exactly
 * its weight's share, spread out rather than in runs (weights 5,1,1 give a a b a c a a, not a a a a a b c).
 */
export class WeightedBalancer<T extends Balanceable> implements Balancer<T> {
  private current = new Map<T, number>();
  private seen: readonly T[] = [];

  pick(candidates: readonly T[], exclude?: T): T | undefined {
    if (candidates.length === 0) return undefined;
    if (candidates !== this.seen) {
      this.seen = candidates;
      this.current = new Map(candidates.map((c) => [c, 0]));
    }
    let total = 0;
    let best: T | undefined;
    let bestScore = -Infinity;
    for (const c of candidates) {
      if (c === exclude && candidates.length > 1) continue;
      const score = this.current.get(c)! + c.weight;
      this.current.set(c, score);
      total += c.weight;
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    if (best !== undefined) this.current.set(best, bestScore - total);
    return best;
  }
}

/** Fewest requests in flight; ties go round robin so that an idle pool is still spread evenly. */
export class LeastOutstandingBalancer<T extends Balanceable> implements Balancer<T> {
  private offset = 0;

  pick(candidates: readonly T[], exclude?: T): T | undefined {
    const n = candidates.length;
    if (n === 0) return undefined;
    const start = this.offset++;
    let best: T | undefined;
    for (let i = 0; i < n; i++) {
      const c = candidates[(start + i) % n]!;
      if (c === exclude && n > 1) continue;
      if (best === undefined || c.outstanding < best.outstanding) best = c;
    }
    return best;
  }
}

export function createBalancer<T extends Balanceable>(name: BalancerName): Balancer<T> {
  switch (name) {
    case 'round-robin':
      return new RoundRobinBalancer<T>();
    case 'weighted':
      return new WeightedBalancer<T>();
    case 'least-outstanding':
      return new LeastOutstandingBalancer<T>();
  }
}
