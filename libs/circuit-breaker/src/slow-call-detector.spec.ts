import fc from 'fast-check';
import { SlowCallDetector } from './slow-call-detector';

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
