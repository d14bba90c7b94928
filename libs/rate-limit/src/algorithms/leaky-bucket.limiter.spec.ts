import fc from 'fast-check';
import { UNIT, unitsPerMs } from './decision';
import { LeakyBucketLimiter, LeakyBucketState } from './leaky-bucket.limiter';

const limiter = new LeakyBucketLimiter();
const arrivals = fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 300 }).map((a) => a.sort((x, y) => x - y));
const params = fc.record({ ratePerSec: fc.integer({ min: 1, max: 100_000 }).map((m) => m / 1000), queue: fc.integer({ min: 0, max: 10 }) });

describe('LeakyBucketLimiter (漏桶)', () => {
  it('lets requests out at most at the constant rate, and holds at most `queue` of them', () => {
    fc.assert(
      fc.property(arrivals, params, (times, p) => {
        const perMs = unitsPerMs(p.ratePerSec);
        let state: LeakyBucketState | undefined;
        const departures: number[] = [];
        for (const t of times) {
          const before = state;
          const step = limiter.decide(state, t, p);
          state = step.state;
          if (!step.decision.allowed) continue;
          const ahead = before === undefined ? 0 : Math.max(0, before.level - (t - before.updatedAt) * perMs);
          expect(ahead).toBeLessThanOrEqual(p.queue * UNIT);
          expect(step.decision.delayMs).toBe(Math.floor(ahead / perMs));
          departures.push(t + ahead / perMs);
        }
        const interval = UNIT / perMs;
        for (let i = 1; i < departures.length; i++) {
          expect(departures[i]! - departures[i - 1]!).toBeGreaterThanOrEqual(interval - 1e-6);
        }
      }),
    );
  });

  it('leaks exactly: a burst of queue + 1 leaves at 0, 1/rate, 2/rate, ... and the next one is rejected', () => {
    fc.assert(
      fc.property(params, (p) => {
        let state: LeakyBucketState | undefined;
        const perMs = unitsPerMs(p.ratePerSec);
        for (let k = 0; k <= p.queue; k++) {
          const step = limiter.decide(state, 0, p);
          state = step.state;
          expect(step.decision).toMatchObject({ allowed: true, delayMs: Math.floor((k * UNIT) / perMs) });
        }
        expect(limiter.decide(state, 0, p).decision.allowed).toBe(false);
      }),
    );
  });

  it('without a queue, rejects whatever exceeds the constant outflow', () => {
    const p = { ratePerSec: 10, queue: 0 };
    const s = limiter.decide(undefined, 0, p).state;
    expect(limiter.decide(s, 50, p).decision).toMatchObject({ allowed: false, retryAfterMs: 50 });
    expect(limiter.decide(s, 100, p).decision).toMatchObject({ allowed: true, delayMs: 0 });
  });
});
