import fc from 'fast-check';
import { UNIT, unitsPerMs } from './decision';
import { TokenBucketLimiter, TokenBucketState } from './token-bucket.limiter';

const limiter = new TokenBucketLimiter();
const arrivals = fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 300 }).map((a) => a.sort((x, y) => x - y));
const rate = fc.integer({ min: 1, max: 200_000 }).map((milli) => milli / 1000);
const params = fc.record({ capacity: fc.integer({ min: 1, max: 20 }), refillPerSec: rate });

describe('TokenBucketLimiter (令牌桶)', () => {
  it('admits at most capacity + elapsed x rate in any interval of arrivals', () => {
    fc.assert(
      fc.property(arrivals, params, (times, p) => {
        let state: TokenBucketState | undefined;
        const admitted = times.filter((t) => {
          const step = limiter.decide(state, t, p);
          state = step.state;
          return step.decision.allowed;
        });
        const perMs = unitsPerMs(p.refillPerSec);
        for (let i = 0; i < admitted.length; i++) {
          for (let j = i; j < admitted.length; j++) {
            const bound = p.capacity + Math.floor(((admitted[j]! - admitted[i]!) * perMs) / UNIT);
            expect(j - i + 1).toBeLessThanOrEqual(bound);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  // Capacity >= 2: with room for one token only, the fraction of a ms in which the bucket is full is (rightly)
  // discarded, so the k-th token can come up to 1 ms later than k / rate.
  it('refills exactly: once drained, the k-th token comes at ceil(k / rate)', () => {
    const roomy = fc.record({ capacity: fc.integer({ min: 2, max: 20 }), refillPerSec: rate });
    fc.assert(
      fc.property(roomy, fc.integer({ min: 1, max: 30 }), (p, k) => {
        let state: TokenBucketState | undefined;
        for (let i = 0; i < p.capacity; i++) state = limiter.decide(state, 0, p).state;
        expect(limiter.decide(state, 0, p).decision.allowed).toBe(false);
        const perMs = unitsPerMs(p.refillPerSec);
        const expected: number[] = [];
        for (let i = 1; i <= k; i++) expected.push(Math.ceil((i * UNIT) / perMs));
        const got: number[] = [];
        // Poll at exactly the interesting instants (each expected time and the ms before it).
        const probes = [...new Set(expected.flatMap((t) => [t - 1, t]))].filter((t) => t >= 0).sort((a, b) => a - b);
        for (const t of probes) {
          const step = limiter.decide(state, t, p);
          if (step.decision.allowed) {
            state = step.state;
            got.push(t);
          }
        }
        expect(got).toEqual(expected);
      }),
    );
  });

  it('tells a rejected client when the next token arrives', () => {
    const p = { capacity: 1, refillPerSec: 4 };
    const s = limiter.decide(undefined, 0, p).state;
    expect(limiter.decide(s, 100, p).decision).toMatchObject({ allowed: false, retryAfterMs: 150, remaining: 0 });
  });
});
