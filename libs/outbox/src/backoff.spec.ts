import fc from 'fast-check';
import { backoffDelayMs, BackoffPolicy, DEFAULT_BACKOFF } from './backoff';

describe('backoff schedule of outbox retries', () => {
  const fixed: BackoffPolicy = { baseMs: 500, maxMs: 60_000, jitter: 0 };

  it('doubles from the base after each failed attempt, up to the cap', () => {
    const schedule = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((attempt) => backoffDelayMs(attempt, fixed));
    expect(schedule).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
  });

  it('never exceeds the cap, even after very many attempts', () => {
    expect(backoffDelayMs(10_000, fixed)).toBe(60_000);
  });

  it('treats attempt 0 like the first attempt (no negative exponent)', () => {
    expect(backoffDelayMs(0, fixed)).toBe(500);
  });

  it('jitter stays within [delay * (1 - jitter), delay] and is monotone in the random draw', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (attempt, draw) => {
        const full = backoffDelayMs(attempt, { ...DEFAULT_BACKOFF, jitter: 0 });
        const jittered = backoffDelayMs(attempt, DEFAULT_BACKOFF, () => draw);
        return jittered >= Math.floor(full * (1 - DEFAULT_BACKOFF.jitter)) && jittered <= full;
      }),
    );
  });
});
