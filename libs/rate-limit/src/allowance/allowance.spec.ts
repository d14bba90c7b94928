import fc from 'fast-check';
import { parseRateLimitPolicies, RateLimitPolicy } from '../policy';
import { algorithmOf } from '../algorithm-table';
import { grantAllowance, ALLOWANCE_MS, AllowanceBook, allowanceShiftMs, maxAllowance, maxShare } from './allowance';

const KEY = 'k';

/**
 * Several gateways, each with its own AllowanceBook, sharing ONE state through `grantAllowance` (the pure twin of the
 * script) exactly as the engine does: a request spends an allowance permit when its gateway holds one, else asks
 * the shared state for an allowance. Returns the times of the admitted requests.
 */
function simulate(policy: RateLimitPolicy, arrivals: { t: number; gateway: number }[], gateways: number, departures: number[] = []): number[] {
  const books = Array.from({ length: gateways }, () => new AllowanceBook());
  const max = maxAllowance(policy);
  const shareMax = maxShare(policy);
  const shift = allowanceShiftMs(policy);
  const perMs = policy.algorithm === 'leaky-bucket' ? algorithmOf(policy).luaArgs(policy)[0] : 0;
  let shared: unknown;
  const admitted: number[] = [];
  for (const { t, gateway } of arrivals) {
    const book = books[gateway]!;
    if (book.has(KEY, t)) {
      departures.push(t + book.take(KEY, t).delayMs);
      admitted.push(t);
      // The engine then takes the next allowance ahead when this one runs low (never a leaky bucket's slots), or
      // a fast leaky bucket's next outflow share when the running one is about to end.
      const shareAhead = shareMax > 0 ? book.wantShareAhead(KEY, shareMax, t) : 0;
      if (shareAhead > 0) {
        const next = grantAllowance(policy, shared, t, 'share-next-epoch', shareAhead, shift);
        shared = next.state;
        book.settleShareAhead(KEY, next.grant, t, t);
      }
      const ahead = perMs > 0 ? 0 : book.wantAhead(KEY, max);
      if (ahead > 0) {
        const next = grantAllowance(policy, shared, t, 'permits', ahead, shift);
        shared = next.state;
        book.settleAhead(KEY, next.grant, t, t, policy.algorithm === 'fixed-window');
      }
      continue;
    }
    if (shareMax > 0) {
      const want = book.wantShare(KEY, shareMax, t);
      const { grant, state } = grantAllowance(policy, shared, t, want > 0 ? 'share' : 'permits', want > 0 ? want : 1, shift);
      shared = state;
      if (want > 0) book.settleShare(KEY, grant, t, t);
      if (grant.allowed) {
        departures.push(t + grant.delayMs);
        admitted.push(t);
      }
      continue;
    }
    const want = book.want(KEY, max, t);
    const { grant, state } = grantAllowance(policy, shared, t, 'permits', Math.max(1, want), shift);
    shared = state;
    if (want > 0) book.settle(KEY, grant, t, t, perMs, policy.algorithm === 'fixed-window');
    if (grant.allowed) {
      departures.push(t + grant.delayMs);
      admitted.push(t);
    }
  }
  return admitted;
}

// Bursts (n requests at one instant at one gateway) within 0.2 to 3 s: an allowance grows with a burst, and a
// gateway that then goes quiet spends its leftover permits late, which is what could break a window.
const arrivals = fc
  .integer({ min: 200, max: 3_000 })
  .chain((span) =>
    fc.array(fc.record({ t: fc.integer({ min: 0, max: span }), gateway: fc.integer({ min: 0, max: 2 }), n: fc.integer({ min: 1, max: 40 }) }), { maxLength: 60 }),
  )
  .map((bursts) => bursts.sort((x, y) => x.t - y.t).flatMap((b) => Array.from({ length: b.n }, () => ({ t: b.t, gateway: b.gateway }))));
const policy = (raw: Record<string, unknown>) => parseRateLimitPolicies([{ name: 'p', key: 'global', ...raw }])[0]!;
const leaseSize = fc.integer({ min: 1, max: 64 });

describe('budget allowances (pure): three gateways sharing one state', () => {
  it('fixed window: never more than the limit in any aligned window, whoever holds the permits', () => {
    fc.assert(
      fc.property(arrivals, fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 1_000 }), leaseSize, (times, limit, windowMs, size) => {
        const admitted = simulate(policy({ algorithm: 'fixed-window', limit, windowMs, leaseSize: size }), times, 3);
        const byWindow = new Map<number, number>();
        for (const t of admitted) byWindow.set(Math.floor(t / windowMs), (byWindow.get(Math.floor(t / windowMs)) ?? 0) + 1);
        for (const n of byWindow.values()) expect(n).toBeLessThanOrEqual(limit);
      }),
    );
  });

  it('sliding window: never more than the limit in ANY window (t - windowMs, t], though permits are spent later than taken', () => {
    fc.assert(
      fc.property(arrivals, fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 300 }), leaseSize, (times, limit, windowMs, size) => {
        const admitted = simulate(policy({ algorithm: 'sliding-window', limit, windowMs, leaseSize: size }), times, 3);
        for (let j = 0, i = 0; j < admitted.length; j++) {
          while (admitted[i]! <= admitted[j]! - windowMs) i++;
          expect(j - i + 1).toBeLessThanOrEqual(limit);
        }
      }),
    );
  });

  it('sliding window: a permit taken in an allowance at t and spent just before t + windowMs still counts in the window after', () => {
    const limit = 64;
    const windowMs = 100;
    const at = (t: number, gateway: number, n: number) => Array.from({ length: n }, () => ({ t, gateway }));
    // Gateway 0 takes allowances during a burst at 0 and spends its leftovers at 99; gateway 1 asks for everything at 100.
    const admitted = simulate(policy({ algorithm: 'sliding-window', limit, windowMs, leaseSize: 64 }), [...at(0, 0, 4), ...at(99, 0, 3), ...at(100, 1, 100)], 2);
    expect(admitted.filter((t) => t === 99)).toHaveLength(3);
    expect(admitted.filter((t) => t > 0).length).toBeLessThanOrEqual(limit);
  });

  it('token bucket: over any interval T at most capacity + (T + ALLOWANCE_MS) x rate (a token of an allowance is spent within ALLOWANCE_MS)', () => {
    fc.assert(
      fc.property(arrivals, fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 200 }), leaseSize, (times, capacity, refillPerSec, size) => {
        const admitted = simulate(policy({ algorithm: 'token-bucket', capacity, refillPerSec, leaseSize: size }), times.slice(0, 400), 3);
        let excess = 0;
        for (let i = 0; i < admitted.length; i++) {
          for (let j = i; j < admitted.length; j++) {
            excess = Math.max(excess, j - i + 1 - capacity - Math.floor(((admitted[j]! - admitted[i]! + ALLOWANCE_MS) * refillPerSec) / 1000));
          }
        }
        expect(excess).toBeLessThanOrEqual(0);
      }),
      { numRuns: 50 },
    );
  });

  it('leaky bucket: allowance departures keep the outflow, one per 1/rate, whichever gateway holds them', () => {
    fc.assert(
      fc.property(arrivals, fc.integer({ min: 200, max: 2_000 }), fc.integer({ min: 32, max: 1_000 }), leaseSize, (times, ratePerSec, queue, size) => {
        const departures: number[] = [];
        simulate(policy({ algorithm: 'leaky-bucket', ratePerSec, queue, leaseSize: size }), times, 3, departures);
        departures.sort((a, b) => a - b);
        // Departures are whole ms (rounded down, as without allowances): n departures span at least (n-1)/rate - 1 ms.
        for (let i = 0, j = 0; j < departures.length; j++) {
          while (departures[j]! - departures[i]! > 50) i++;
          expect(departures[j]! - departures[i]!).toBeGreaterThanOrEqual(Math.floor(((j - i) * 1000) / ratePerSec) - 1);
        }
      }),
    );
  });

  it('leaky bucket with outflow shares: in any span of whole ms, never more departures than the rate lets out (+1, as without shares)', () => {
    // Fast buckets (16 000/s and up) hand out shares of their outflow. Three gateways each send a random number of
    // requests in every ms, averaging 3/4 of the rate together: shares are granted while the bucket is empty,
    // and the queue fills in the busier stretches.
    const load = fc.integer({ min: 16, max: 64 }).chain((perMs) =>
      fc.record({ perMs: fc.constant(perMs), counts: fc.array(fc.integer({ min: 0, max: perMs >> 1 }), { minLength: 600, maxLength: 600 }) }),
    );
    fc.assert(
      fc.property(load, fc.integer({ min: 0, max: 50 }), leaseSize, ({ perMs, counts }, queue, size) => {
        const times = counts.flatMap((n, i) => Array.from({ length: n }, () => ({ t: Math.floor(i / 3), gateway: i % 3 })));
        const departures: number[] = [];
        simulate(policy({ algorithm: 'leaky-bucket', ratePerSec: perMs * 1000, queue, leaseSize: size }), times, 3, departures);
        const perMsOut = new Map<number, number>();
        for (const d of departures) perMsOut.set(d, (perMsOut.get(d) ?? 0) + 1);
        const last = Math.max(0, ...departures);
        let excess = 0;
        for (let a = 0; a <= last; a++) {
          let n = 0;
          for (let b = a; b <= last && b < a + 20; b++) {
            n += perMsOut.get(b) ?? 0;
            excess = Math.max(excess, n - (b - a + 1) * perMs - 1);
          }
        }
        expect(excess).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  it('leaky bucket with outflow shares: a steady client spends its share without Redis, and never more per ms than granted', () => {
    const fastLeaky = policy({ algorithm: 'leaky-bucket', ratePerSec: 1_000_000, queue: 1000, leaseSize: 256 });
    expect(maxShare(fastLeaky)).toBe(62);
    const book = new AllowanceBook();
    let shared: unknown;
    const askedRedis = new Map<number, number>();
    const perMs = new Map<number, number>();
    // 20 requests in each ms for one second, at one gateway.
    for (let t = 0; t < 1_000; t++) {
      for (let r = 0; r < 20; r++) {
        if (book.has(KEY, t)) {
          expect(book.take(KEY, t).delayMs).toBe(0);
          perMs.set(t, (perMs.get(t) ?? 0) + 1);
          const ahead = book.wantShareAhead(KEY, 62, t);
          if (ahead > 0) {
            const next = grantAllowance(fastLeaky, shared, t, 'share-next-epoch', ahead, 0);
            shared = next.state;
            book.settleShareAhead(KEY, next.grant, t, t);
          }
          continue;
        }
        const epoch = Math.floor(t / ALLOWANCE_MS);
        askedRedis.set(epoch, (askedRedis.get(epoch) ?? 0) + 1);
        const want = book.wantShare(KEY, 62, t);
        const { grant, state } = grantAllowance(fastLeaky, shared, t, want > 0 ? 'share' : 'permits', want > 0 ? want : 1, 0);
        shared = state;
        if (want > 0) book.settleShare(KEY, grant, t, t);
      }
    }
    // Only the first epoch asks Redis (its first share is sized before the demand is known); from then on
    // each next share is taken ahead, in the background, and no request waits for Redis at an epoch's turn.
    expect([...askedRedis.keys()]).toEqual([0]);
    expect(Math.max(...perMs.values())).toBeLessThanOrEqual(30);
  });

  it('leaky bucket share taken ahead: refused for an epoch that begins more than SHARE_AHEAD_MS later, or over half the outflow', () => {
    const fastLeaky = policy({ algorithm: 'leaky-bucket', ratePerSec: 32_000, queue: 100, leaseSize: 256 });
    const early = grantAllowance(fastLeaky, undefined, 10, 'share-next-epoch', 2, 0);
    expect(early.grant.share).toEqual({ perMs: 0, forMs: 0, startsInMs: 0 });
    const ahead = grantAllowance(fastLeaky, undefined, 60, 'share-next-epoch', 2, 0);
    expect(ahead.grant).toMatchObject({ granted: 0, share: { perMs: 2, forMs: ALLOWANCE_MS, startsInMs: ALLOWANCE_MS - 60 } });
    // 16 per ms is half of 32: the next epoch can take 14 more, not 15.
    expect(grantAllowance(fastLeaky, ahead.state, 61, 'share-next-epoch', 15, 0).grant.share!.perMs).toBe(0);
    const full = grantAllowance(fastLeaky, ahead.state, 61, 'share-next-epoch', 14, 0);
    expect(full.grant.share!.perMs).toBe(14);
    // Once the next epoch begins, its reserve is the running one: no more share for it either.
    expect(grantAllowance(fastLeaky, full.state, ALLOWANCE_MS + 1, 'share', 1, 0).grant.share!.perMs).toBe(0);
  });

  it('an allowance is bounded: never more than leaseSize, nor 1/16 of the budget', () => {
    expect(maxAllowance(policy({ algorithm: 'fixed-window', limit: 10, windowMs: 1000, leaseSize: 64 }))).toBe(1);
    expect(maxAllowance(policy({ algorithm: 'token-bucket', capacity: 200, refillPerSec: 100 }))).toBe(8);
    expect(maxAllowance(policy({ algorithm: 'sliding-window', limit: 10_000, windowMs: 100, leaseSize: 64 }))).toBe(64);
    // A leaky bucket's allowance holds only departures due within the allowance's lifetime.
    expect(maxAllowance(policy({ algorithm: 'leaky-bucket', ratePerSec: 50, queue: 1000, leaseSize: 64 }))).toBe(5);
    // A fast one hands out a share of its outflow instead: at most leaseSize departures per ms, nor 1/16 of its outflow.
    expect(maxShare(policy({ algorithm: 'leaky-bucket', ratePerSec: 15_999, queue: 10 }))).toBe(0);
    expect(maxShare(policy({ algorithm: 'leaky-bucket', ratePerSec: 160_000, queue: 10, leaseSize: 64 }))).toBe(10);
    expect(maxShare(policy({ algorithm: 'leaky-bucket', ratePerSec: 1_000_000, queue: 0, leaseSize: 1 }))).toBe(0);
  });

  it('a client sending now and then never takes more than its own permit', () => {
    const book = new AllowanceBook();
    for (let t = 0; t < 10 * ALLOWANCE_MS; t += 2 * ALLOWANCE_MS) {
      expect(book.has(KEY, t)).toBe(false);
      expect(book.want(KEY, 64, t)).toBe(1);
      book.settle(KEY, { allowed: true, remaining: 99, resetMs: 1000, retryAfterMs: 0, delayMs: 0, granted: 1, level: 0 }, t, t, 0, false);
    }
  });

  it('RateLimit-Remaining under an allowance: the shared budget left at allowance time plus the permits this gateway still holds', () => {
    const book = new AllowanceBook();
    book.want(KEY, 8, 0);
    book.settle(KEY, { allowed: true, remaining: 100, resetMs: 1000, retryAfterMs: 0, delayMs: 0, granted: 4, level: 0 }, 0, 0, 0, false);
    expect([1, 2, 3].map(() => book.take(KEY, 10).remaining)).toEqual([102, 101, 100]);
    expect(book.has(KEY, 10)).toBe(false);
  });
});
