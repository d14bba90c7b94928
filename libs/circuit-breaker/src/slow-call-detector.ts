import type { BreakerOptions } from '@shop/contracts';

const BUCKETS = 10;

/**
 * Upper bounds (ms) of the latency histogram's bins, roughly 1-2-3-5 per decade up to the longest breaker
 * timeout; one more bin holds anything slower. A percentile read from it is the upper bound of the bin it
 * falls in, as with Prometheus histograms.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10000, 20000, 60000, 120000, 300000, 600000,
];
const BINS = LATENCY_BOUNDS_MS.length + 1;

/** The latency of the calls in the window: mean, and the bins' upper bounds that p50 and p99 fall in. */
export interface LatencySummary {
  calls: number;
  meanMs: number | undefined;
  p50Ms: number | undefined;
  p99Ms: number | undefined;
}

/**
 * The seed's slow-call rule, counted over a rolling window of BUCKETS buckets (like opossum's own stats):
 * `record` says true when, within the window, at least `slowCallRateThreshold` % of at least
 * `slowCallMinCalls` calls took longer than `slowCallMs`. Each bucket also keeps a latency histogram, so the
 * window's percentiles cost fixed memory (opossum's own percentiles keep and sort every latency of its window:
 * 150 000 numbers at 15 000 calls/s). No timers; the clock is passed in.
 */
export class SlowCallDetector {
  private readonly calls = new Uint32Array(BUCKETS);
  private readonly slow = new Uint32Array(BUCKETS);
  private readonly latencySum = new Float64Array(BUCKETS);
  /** BUCKETS rows of BINS counts. */
  private readonly histogram = new Uint32Array(BUCKETS * BINS);
  private readonly bucketMs: number;
  /** Index of the bucket that `bucketStart` refers to. */
  private current = 0;
  private bucketStart = 0;

  constructor(private readonly opts: Pick<BreakerOptions, 'slowCallMs' | 'slowCallRateThreshold' | 'slowCallWindowMs' | 'slowCallMinCalls'>) {
    this.bucketMs = Math.max(1, Math.floor(opts.slowCallWindowMs / BUCKETS));
  }

  record(latencyMs: number, now: number): boolean {
    this.advance(now);
    const b = this.current;
    this.calls[b]!++;
    if (latencyMs > this.opts.slowCallMs) this.slow[b]!++;
    this.latencySum[b]! += latencyMs;
    this.histogram[b * BINS + binOf(latencyMs)]!++;
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

  /** The window's latencies as of `now` (older buckets dropped first). */
  latency(now: number): LatencySummary {
    this.advance(now);
    const perBin = new Array<number>(BINS).fill(0);
    let calls = 0;
    let sum = 0;
    for (let b = 0; b < BUCKETS; b++) {
      sum += this.latencySum[b]!;
      for (let i = 0; i < BINS; i++) perBin[i]! += this.histogram[b * BINS + i]!;
    }
    for (let i = 0; i < BINS; i++) calls += perBin[i]!;
    if (calls === 0) return { calls, meanMs: undefined, p50Ms: undefined, p99Ms: undefined };
    const at = (q: number): number => {
      const rank = Math.ceil(q * calls);
      let seen = 0;
      for (let i = 0; i < BINS - 1; i++) if ((seen += perBin[i]!) >= rank) return LATENCY_BOUNDS_MS[i]!;
      return Infinity;
    };
    return { calls, meanMs: sum / calls, p50Ms: at(0.5), p99Ms: at(0.99) };
  }

  /** Forget the window's verdict (after the breaker opened, the next one starts from fresh calls); the latencies stay. */
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
      this.latencySum[this.current] = 0;
      this.histogram.fill(0, this.current * BINS, (this.current + 1) * BINS);
    }
    this.bucketStart += steps * this.bucketMs;
  }
}

/** The histogram bin of a latency: the first bound it does not exceed, or the overflow bin. */
function binOf(latencyMs: number): number {
  let lo = 0;
  let hi = LATENCY_BOUNDS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (latencyMs <= LATENCY_BOUNDS_MS[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
