/** The arithmetic behind the console's charts, kept pure so it is tested without a browser. */

export interface Counted {
  t: number;
  admitted: number;
  rejected: number;
}

/**
 * One value per second for the `seconds` seconds that end at `now` (oldest first). Points are summed into the
 * second they fall in; a second without points counts 0, because no traffic is a fact worth drawing.
 */
export function bucketPerSecond(points: readonly Counted[], now: number, seconds: number): { admitted: number[]; rejected: number[] } {
  const admitted = new Array<number>(seconds).fill(0);
  const rejected = new Array<number>(seconds).fill(0);
  const last = Math.floor(now / 1000);
  for (const point of points) {
    const index = seconds - 1 - (last - Math.floor(point.t / 1000));
    if (index < 0 || index >= seconds) continue;
    admitted[index] += point.admitted;
    rejected[index] += point.rejected;
  }
  return { admitted, rejected };
}

/** The smallest of 1, 2, 5 x 10^n that is >= value (and at least 1): an axis maximum a person reads at a glance. */
export function niceCeil(value: number): number {
  if (!(value > 1)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

/** An SVG path through the values, spread evenly over `width`, 0 at the bottom of `height`. */
export function linePath(values: readonly number[], width: number, height: number, max: number): string {
  if (values.length === 0) return '';
  const dx = values.length > 1 ? width / (values.length - 1) : 0;
  return values
    .map((v, i) => `${i === 0 ? 'M' : 'L'}${round(i * dx)},${round(height - (Math.min(v, max) / max) * height)}`)
    .join(' ');
}

const round = (n: number): number => Math.round(n * 10) / 10;

export interface StateSample<S> {
  t: number;
  state: S;
}

export interface Segment<S> {
  from: number;
  to: number;
  state: S;
}

/**
 * Turns state samples (or transitions) into the segments that cover [from, to]: the state at any moment is
 * that of the last sample at or before it. Time before the first known sample is left out, not invented.
 */
export function stateSegments<S>(samples: readonly StateSample<S>[], from: number, to: number): Segment<S>[] {
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  const segments: Segment<S>[] = [];
  let current: StateSample<S> | undefined;
  for (const sample of sorted) {
    if (sample.t <= from) {
      current = sample;
      continue;
    }
    if (sample.t > to) break;
    if (current === undefined) current = sample;
    else if (sample.state !== current.state) {
      segments.push({ from: Math.max(from, current.t), to: sample.t, state: current.state });
      current = sample;
    }
  }
  if (current !== undefined) segments.push({ from: Math.max(from, current.t), to, state: current.state });
  return segments.filter((s) => s.to > s.from);
}

/**
 * Counts per interval from cumulative counters read at successive polls: the fallback when the gateway keeps
 * no series of its own. Each delta is placed at the later reading, so `bucketPerSecond` turns them into
 * requests per second. A counter that went down (gateway restarted) starts over rather than drawing a negative.
 */
export function deltasFromCounters(readings: readonly { t: number; admitted: number; rejected: number }[]): Counted[] {
  const out: Counted[] = [];
  for (let i = 1; i < readings.length; i++) {
    const prev = readings[i - 1];
    const cur = readings[i];
    out.push({
      t: cur.t,
      admitted: cur.admitted >= prev.admitted ? cur.admitted - prev.admitted : cur.admitted,
      rejected: cur.rejected >= prev.rejected ? cur.rejected - prev.rejected : cur.rejected,
    });
  }
  return out;
}
