import * as hdr from 'hdr-histogram-js';

/**
 * What a run saw, per second and overall: answers by status, latency in HDR histograms (microseconds, three
 * significant digits, so p99 is exact to 0.1 %), rate-limit rejections, breaker states, order outcomes. Memory
 * is bounded by the run's duration (one small histogram per second) and the distinct names it records.
 */
export type Histogram = hdr.Histogram;

/**
 * 1 µs .. 1 h, pure JS (no WebAssembly) so that the browser console runs the same code. The run's and each
 * name's histograms keep three significant digits; each second's keeps two (1 % is plenty for a chart, and it is
 * about 11 KB, so a 10-minute run's timeline stays under 7 MB without the slower packed arrays).
 */
export function newHistogram(digits: 2 | 3 = 3): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: digits, useWebAssembly: false, bitBucketSize: 32 });
}

/** A request's answer, as counted: an HTTP status, or what went wrong before one. */
export type StatusKey = `${number}` | 'timeout' | 'network' | 'dropped';

export interface Sample {
  /** The request's name in the report ('products', 'place-order', ...). */
  name: string;
  status: StatusKey;
  /** From the intended send time (open model's first request of an iteration) or the actual one. */
  latencyMs: number;
}

export const isError = (status: StatusKey): boolean => !/^[123]\d\d$/.test(status);

export interface Window {
  /** Seconds since the run's start (the window covers [t, t+1)). */
  t: number;
  requests: number;
  byStatus: Record<string, number>;
  latency: Histogram;
  rateLimited: number;
  errors: number;
  outcomes: Record<string, number>;
  /** Each breaker's worst state seen in this second (open > half-open > closed), else the last one known. */
  breakers: Record<string, string>;
  /** Breakers sampled in this second (the others carry the previous second's state). */
  sampled: Set<string>;
  inFlight: number;
  /** Arrivals the open model promised in this second (undefined in the closed model). */
  intended?: number;
}

export const MAX_NAMES = 64;
const MAX_WINDOWS = 24 * 3600;

export class Recorder {
  readonly windows: Window[] = [];
  readonly overall = newHistogram();
  readonly byName = new Map<string, { histogram: Histogram; byStatus: Record<string, number> }>();
  readonly byStatus: Record<string, number> = {};
  readonly outcomes: Record<string, number> = {};
  requests = 0;
  errors = 0;
  rateLimited = 0;
  dropped = 0;
  iterations = 0;
  failedIterations = 0;

  constructor(private readonly startMs: number) {}

  window(nowMs: number): Window {
    const t = Math.min(Math.max(0, Math.floor((nowMs - this.startMs) / 1000)), MAX_WINDOWS);
    while (this.windows.length <= t) {
      const last = this.windows[this.windows.length - 1];
      this.windows.push({
        t: this.windows.length,
        requests: 0,
        byStatus: {},
        latency: newHistogram(2),
        rateLimited: 0,
        errors: 0,
        outcomes: {},
        breakers: last ? { ...last.breakers } : {},
        sampled: new Set(),
        inFlight: 0,
      });
    }
    return this.windows[t]!;
  }

  record(sample: Sample, nowMs: number): void {
    const w = this.window(nowMs);
    const micros = Math.max(1, Math.round(sample.latencyMs * 1000));
    this.requests++;
    w.requests++;
    bump(this.byStatus, sample.status);
    bump(w.byStatus, sample.status);
    if (sample.status !== 'dropped') {
      this.overall.recordValue(micros);
      w.latency.recordValue(micros);
    }
    const name = this.byName.size < MAX_NAMES || this.byName.has(sample.name) ? sample.name : 'other';
    let perName = this.byName.get(name);
    if (!perName) this.byName.set(name, (perName = { histogram: newHistogram(), byStatus: {} }));
    if (sample.status !== 'dropped') perName.histogram.recordValue(micros);
    bump(perName.byStatus, sample.status);
    if (sample.status === '429') {
      this.rateLimited++;
      w.rateLimited++;
    }
    if (sample.status === 'dropped') this.dropped++;
    if (isError(sample.status)) {
      this.errors++;
      w.errors++;
    }
  }

  outcome(name: string, nowMs: number): void {
    bump(this.outcomes, name);
    bump(this.window(nowMs).outcomes, name);
  }

  breakers(states: Record<string, string>, nowMs: number): void {
    const w = this.window(nowMs);
    for (const [name, state] of Object.entries(states)) {
      // A breaker open for half a second must still show in that second's cell.
      if (!w.sampled.has(name) || severity(state) > severity(w.breakers[name]!)) w.breakers[name] = state;
      w.sampled.add(name);
    }
  }
}

function severity(state: string): number {
  return state === 'open' ? 2 : state === 'closed' ? 0 : 1;
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Latency in ms from a histogram of microseconds. */
export function latencyMs(h: Histogram, statistic: number | 'avg' | 'max' | 'min'): number {
  if (h.totalCount === 0) return 0;
  const micros = statistic === 'avg' ? h.mean : statistic === 'max' ? h.maxValue : statistic === 'min' ? h.minNonZeroValue : h.getValueAtPercentile(statistic);
  return micros / 1000;
}
