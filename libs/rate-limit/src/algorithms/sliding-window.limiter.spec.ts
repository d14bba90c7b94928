import fc from 'fast-check';
import { SlidingWindowLimiter, SlidingWindowState } from './sliding-window.limiter';

const limiter = new SlidingWindowLimiter();
const arrivals = fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 300 }).map((a) => a.sort((x, y) => x - y));
const params = fc.record({ limit: fc.integer({ min: 1, max: 20 }), windowMs: fc.integer({ min: 1, max: 2_000 }) });

function admittedTimes(times: number[], p: { limit: number; windowMs: number }): number[] {
  let state: SlidingWindowState | undefined;
  const admitted: number[] = [];
  const rejectedWhileRoom: number[] = [];
  for (const t of times) {
    const step = limiter.decide(state, t, p);
    state = step.state;
    if (step.decision.allowed) admitted.push(t);
    else if (admitted.filter((a) => a > t - p.windowMs).length < p.limit) rejectedWhileRoom.push(t);
  }
  expect(rejectedWhileRoom).toEqual([]);
  return admitted;
}

describe('SlidingWindowLimiter (滑动窗口, log variant)', () => {
  it('never admits more than the limit in ANY window (t - windowMs, t], and rejects only when that window is full', () => {
    fc.assert(
      fc.property(arrivals, params, (times, p) => {
        const admitted = admittedTimes(times, p);
        for (const t of admitted) {
          expect(admitted.filter((a) => a > t - p.windowMs && a <= t).length).toBeLessThanOrEqual(p.limit);
        }
      }),
    );
  });

  it('removes the fixed window boundary burst: 10 + 10 around a boundary admits only 10', () => {
    const p = { limit: 10, windowMs: 1000 };
    expect(admittedTimes([...Array(10).fill(999), ...Array(10).fill(1000)], p)).toHaveLength(10);
  });

  it('keeps at most `limit` timestamps per key (bounded memory)', () => {
    fc.assert(
      fc.property(arrivals, params, (times, p) => {
        let state: SlidingWindowState | undefined;
        for (const t of times) {
          state = limiter.decide(state, t, p).state;
          expect(state.hits.length).toBeLessThanOrEqual(p.limit);
        }
      }),
    );
  });

  it('retry-after points at the moment the oldest admitted request leaves the window', () => {
    const p = { limit: 2, windowMs: 1000 };
    let s = limiter.decide(undefined, 100, p).state;
    s = limiter.decide(s, 400, p).state;
    expect(limiter.decide(s, 500, p).decision).toMatchObject({ allowed: false, retryAfterMs: 600 });
    expect(limiter.decide(s, 1100, p).decision.allowed).toBe(true);
  });

  it('entries out of time order (an allowance recorded one ahead, then the policy changed): each leaves the window at its own time', () => {
    const p = { limit: 2, windowMs: 1000 };
    // Recorded in this order: an allowance permit taken at 1000 (recorded at 1000 + 100), then a plain request at 1050.
    const s = { hits: [1100, 1050] };
    expect(limiter.decide(s, 1060, p).decision).toMatchObject({ allowed: false, retryAfterMs: 990 });
    expect(limiter.decide(s, 2050, p).decision).toMatchObject({ allowed: true, remaining: 0 });
  });
});
