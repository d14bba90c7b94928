import fc from 'fast-check';
import { FixedWindowLimiter, FixedWindowState } from './fixed-window.limiter';

const limiter = new FixedWindowLimiter();
const arrivals = fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 300 }).map((a) => a.sort((x, y) => x - y));
const params = fc.record({ limit: fc.integer({ min: 1, max: 20 }), windowMs: fc.integer({ min: 1, max: 2_000 }) });

function run(times: number[], p: { limit: number; windowMs: number }): { t: number; allowed: boolean }[] {
  let state: FixedWindowState | undefined;
  return times.map((t) => {
    const step = limiter.decide(state, t, p);
    state = step.state;
    return { t, allowed: step.decision.allowed };
  });
}

describe('FixedWindowLimiter (计数器)', () => {
  it('admits exactly min(limit, arrivals) in every aligned window', () => {
    fc.assert(
      fc.property(arrivals, params, (times, p) => {
        const byWindow = new Map<number, { arrivals: number; admitted: number }>();
        for (const r of run(times, p)) {
          const w = Math.floor(r.t / p.windowMs);
          const e = byWindow.get(w) ?? { arrivals: 0, admitted: 0 };
          e.arrivals++;
          if (r.allowed) e.admitted++;
          byWindow.set(w, e);
        }
        for (const e of byWindow.values()) expect(e.admitted).toBe(Math.min(p.limit, e.arrivals));
      }),
    );
  });

  it('admits twice the limit within one window length across a boundary (the burst the sliding window removes)', () => {
    const p = { limit: 10, windowMs: 1000 };
    const times = [...Array(10).fill(999), ...Array(10).fill(1000)];
    expect(run(times, p).filter((r) => r.allowed)).toHaveLength(20);
  });

  it('tells a rejected client when the window ends', () => {
    const p = { limit: 1, windowMs: 1000 };
    const first = limiter.decide(undefined, 1200, p);
    const second = limiter.decide(first.state, 1300, p);
    expect(second.decision).toMatchObject({ allowed: false, retryAfterMs: 700, resetMs: 700, remaining: 0 });
  });
});
