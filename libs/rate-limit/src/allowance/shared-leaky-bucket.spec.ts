import fc from 'fast-check';
import { LeakyBucketLimiter, LeakyBucketState } from '../algorithms/leaky-bucket.limiter';
import { ALLOWANCE_MS } from './allowance-lifetime';
import { SharedLeakyBucket, SharedLeakyBucketState } from './shared-leaky-bucket';

const shared = new SharedLeakyBucket();
const plain = new LeakyBucketLimiter();

describe('SharedLeakyBucket: the leaky bucket with outflow shares, as it runs in Redis', () => {
  it('decides exactly as the plain leaky bucket while no share is held', () => {
    const arrivals = fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 200 }).map((a) => a.sort((x, y) => x - y));
    const params = fc.record({ ratePerSec: fc.integer({ min: 1, max: 100_000 }).map((m) => m / 1000), queue: fc.integer({ min: 0, max: 10 }) });
    fc.assert(
      fc.property(arrivals, params, (times, p) => {
        let a: LeakyBucketState | undefined;
        let b: SharedLeakyBucketState | undefined;
        for (const t of times) {
          const x = plain.decide(a, t, p);
          const y = shared.decide(b, t, p);
          expect(y.decision).toEqual(x.decision);
          expect(y.state).toEqual(x.state);
          a = x.state;
          b = y.state;
        }
      }),
    );
  });

  describe('outflow shares (what a gateway takes from a fast bucket)', () => {
    const fast = { ratePerSec: 32_000, queue: 100 };
    const pour = (state: SharedLeakyBucketState | undefined, t: number, n: number) => {
      const delays: number[] = [];
      for (let i = 0; i < n; i++) {
        const step = shared.decide(state, t, fast);
        state = step.state;
        delays.push(step.decision.delayMs);
      }
      return { state, delays };
    };

    it('is refused while departures already promised lie beyond this ms, granted once they all fall within it', () => {
      const { state } = pour(undefined, 0, 40);
      expect(shared.share(state, 0, fast, 2).share.perMs).toBe(0);
      expect(shared.share(state, 1, fast, 2).share).toEqual({ perMs: 2, forMs: ALLOWANCE_MS - 1, startsInMs: 0 });
    });

    it('slows the shared outflow by the share until the epoch ends, then lets it out at the full rate again', () => {
      const granted = shared.share(undefined, 0, fast, 8);
      expect(granted.share).toEqual({ perMs: 8, forMs: ALLOWANCE_MS, startsInMs: 0 });
      // 24 shared departures per ms left while the share runs: the 48th request waits 1 ms, the 49th 2 ms.
      expect(pour(granted.state, 1, 49).delays.slice(-3)).toEqual([1, 1, 2]);
      // Near the end of the epoch the water runs out faster: 24 per ms until ALLOWANCE_MS, then 32.
      expect(pour(granted.state, ALLOWANCE_MS - 1, 57).delays.slice(-3)).toEqual([1, 1, 2]);
      expect(pour(granted.state, ALLOWANCE_MS, 33).delays.slice(-2)).toEqual([0, 1]);
    });

    it('leaves at least half of the outflow to the requests that ask Redis', () => {
      expect(shared.share(undefined, 0, fast, 17).share.perMs).toBe(0);
      const half = shared.share(undefined, 0, fast, 16);
      expect(half.share.perMs).toBe(16);
      expect(shared.share(half.state, 0, fast, 1).share.perMs).toBe(0);
    });

    it('a rate lowered under a running share still leaves half of the new outflow to the shared water', () => {
      const granted = shared.share(undefined, 0, fast, 16);
      let state = granted.state;
      const delays: number[] = [];
      for (let i = 0; i < 9; i++) {
        const step = shared.decide(state, 1, { ratePerSec: 16_000, queue: 100 });
        state = step.state;
        delays.push(step.decision.delayMs);
      }
      expect(delays).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1]);
    });

    it('every share of a bucket ends with the ALLOWANCE_MS epoch it was granted in, and none is granted for its last ms', () => {
      const first = shared.share(undefined, 30, fast, 4);
      expect(first.share.forMs).toBe(ALLOWANCE_MS - 30);
      expect(shared.share(first.state, 60, fast, 4).share).toEqual({ perMs: 4, forMs: ALLOWANCE_MS - 60, startsInMs: 0 });
      expect(shared.share(undefined, ALLOWANCE_MS - 1, fast, 4).share.perMs).toBe(0);
      // Past the epoch the reserve is gone: the full half can be shared again.
      expect(shared.share(first.state, ALLOWANCE_MS, fast, 16).share.perMs).toBe(16);
    });

    it('a share taken ahead slows the next epoch only: refused while the water would still drain into it', () => {
      // 40 requests poured at 70: 1.25 ms of water, drained by 72, long before the next epoch at 100.
      const { state } = pour(undefined, 70, 40);
      const ahead = shared.share(state, 70, fast, 8, true);
      expect(ahead.share).toEqual({ perMs: 8, forMs: ALLOWANCE_MS, startsInMs: 30 });
      // Until the epoch turns, the shared outflow is the full 32 per ms; from it, 24 per ms.
      expect(pour(ahead.state, 98, 33).delays.slice(-2)).toEqual([0, 1]);
      expect(pour(ahead.state, ALLOWANCE_MS, 25).delays.slice(-2)).toEqual([0, 1]);
      // After that epoch, 32 per ms again.
      expect(pour(ahead.state, 2 * ALLOWANCE_MS, 33).delays.slice(-2)).toEqual([0, 1]);
      // Water that would still be draining when the next epoch begins: no share ahead (its departures would move).
      const deep = pour(undefined, 99, 60).state;
      expect(shared.share(deep, 99, fast, 8, true).share.perMs).toBe(0);
    });
  });
});
