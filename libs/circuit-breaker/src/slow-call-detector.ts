import type { BreakerOptions } from './breaker-options';

const BUCKETS = 10;

/**
 * The seed's slow-call rule, counted over a rolling window of BUCKETS buckets (like opossum's own stats):
 * `record` says true when, within the window, at least `slowCallRateThreshold` % of at least
 * `slowCallMinCalls` calls took longer than `slowCallMs`. Fixed memory, no timers; the clock is passed in.
 */
export class SlowCallDetector {
  private readonly calls = new Uint32Array(BUCKETS);
  private readonly slow = new Uint32Array(BUCKETS);
  private readonly bucketMs: number;
  /** Index of the bucket that `bucketStart` refers to. */
  private current = 0;
  private bucketStart = 0;

  constructor(private readonly opts: Pick<BreakerOptions, 'slowCallMs' | 'slowCallRateThreshold' | 'slowCallWindowMs' | 'slowCallMinCalls'>) {
    this.bucketMs = Math.max(1, Math.floor(opts.slowCallWindowMs / BUCKETS));
  }

  record(latencyMs: number, now: number): boolean {
    this.advance(now);
    this.calls[this.current]!++;
    if (latencyMs > this.opts.slowCallMs) this.slow[this.current]!++;
    const { calls, slow } = this.totals();
    return calls >= this.opts.slowCallMinCalls && slow * 100 >= this.opts.slowCallRateThreshold * calls;
  }

  totals(): { calls: number; slow: number } {
    let calls = 0;
    let slow = 0;
    for (let i = 0; i < BUCKETS; i++) {
      calls += this.calls[i]!;
      slow += this.slow[i]!;
    }
    return { calls, slow };
  }

  /** Forget the window (after the breaker opened: the next verdict starts from fresh calls). */
  reset(): void {
    this.calls.fill(0);
    this.slow.fill(0);
  }

  private advance(now: number): void {
    if (this.bucketStart === 0) this.bucketStart = now;
    const steps = Math.floor((now - this.bucketStart) / this.bucketMs);
    if (steps <= 0) return;
    for (let i = 0; i < Math.min(steps, BUCKETS); i++) {
      this.current = (this.current + 1) % BUCKETS;
      this.calls[this.current] = 0;
      this.slow[this.current] = 0;
    }
    this.bucketStart += steps * this.bucketMs;
  }
}
