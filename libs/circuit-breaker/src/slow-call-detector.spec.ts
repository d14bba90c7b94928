import fc from 'fast-check';
import { LATENCY_BOUNDS_MS, SlowCallDetector } from './slow-call-detector';

const opts = { slowCallMs: 100, slowCallRateThreshold: 50, slowCallWindowMs: 5000, slowCallMinCalls: 10 };

describe('SlowCallDetector (the seed: within 5 s, 50% of calls slow)', () => {
  it('trips exactly when >= 50% of >= 10 calls inside the window were slow', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 60 }), (slowness) => {
        const d = new SlowCallDetector(opts);
        slowness.forEach((isSlow, i) => {
          const tripped = d.record(isSlow ? 150 : 50, 1000 + i);
          const seen = slowness.slice(0, i + 1);
          const slow = seen.filter(Boolean).length;
          expect(tripped).toBe(seen.length >= 10 && slow * 2 >= seen.length);
        });
      }),
    );
  });

  it('forgets calls older than the window', () => {
    const d = new SlowCallDetector(opts);
    for (let i = 0; i < 9; i++) d.record(500, 1000);
    expect(d.record(500, 1000 + 6000)).toBe(false);
    expect(d.totals()).toEqual({ calls: 1, slow: 1 });
  });

  it('does not count a call as slow at exactly the threshold', () => {
    const d = new SlowCallDetector({ ...opts, slowCallMinCalls: 1 });
    expect(d.record(100, 1)).toBe(false);
  });
});

describe('SlowCallDetector latency summary (bounded histogram)', () => {
  it('reports the bin upper bounds that p50 and p99 fall in, and the exact mean', () => {
    const d = new SlowCallDetector(opts);
    for (let i = 0; i < 98; i++) d.record(4, 1000);
    d.record(40, 1000);
    d.record(2500, 1000);
    expect(d.latency(1000)).toEqual({ calls: 100, meanMs: (98 * 4 + 40 + 2500) / 100, p50Ms: 5, p99Ms: 50 });
  });

  it('puts every latency within its bin: p50 of one value is the first bound at or above it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), (ms) => {
        const d = new SlowCallDetector(opts);
        d.record(ms, 1000);
        const p50 = d.latency(1000).p50Ms!;
        const bound = LATENCY_BOUNDS_MS.find((b) => ms <= b) ?? Infinity;
        expect(p50).toBe(bound);
      }),
    );
  });

  it('drops latencies older than the window, and keeps them when the breaker resets its verdict', () => {
    const d = new SlowCallDetector(opts);
    d.record(300, 1000);
    d.reset();
    expect(d.latency(1000)).toMatchObject({ calls: 1, p50Ms: 300 });
    expect(d.latency(1000 + 6000)).toEqual({ calls: 0, meanMs: undefined, p50Ms: undefined, p99Ms: undefined });
  });
});
