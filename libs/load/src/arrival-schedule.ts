/**
 * The open model's promise: when each arrival is due. A plan is a list of stages, each ramping the arrival rate
 * linearly from `from` to `to` requests per second over `durationS` (a constant rate has from = to). The k-th
 * arrival is due at the time t where the stage's cumulative count N(t) = from*t + (to-from)*t²/(2*d) reaches k:
 * arrivals are spaced exactly, never drawn at random, so the rate promised is the rate scheduled.
 */
export interface Stage {
  durationS: number;
  /** Arrivals per second at the stage's start. */
  from: number;
  /** Arrivals per second at its end. */
  to: number;
}

export const MAX_RATE = 100_000;

export function validateStages(stages: readonly Stage[]): void {
  if (stages.length === 0) throw new Error('an open model needs at least one stage');
  for (const s of stages) {
    if (!(s.durationS > 0) || !Number.isFinite(s.durationS)) throw new Error(`stage duration must be > 0 s, got ${s.durationS}`);
    for (const r of [s.from, s.to]) if (!(r >= 0 && r <= MAX_RATE)) throw new Error(`rate must be 0..${MAX_RATE} per second, got ${r}`);
  }
}

export function totalDurationS(stages: readonly Stage[]): number {
  return stages.reduce((sum, s) => sum + s.durationS, 0);
}

/** Arrivals a stage promises: the area under its rate line. */
export function stageArrivals(s: Stage): number {
  return ((s.from + s.to) / 2) * s.durationS;
}

/** Intended send times in ms from the run's start, in order; finite (the stages are). */
export function* arrivalTimesMs(stages: readonly Stage[]): Generator<number> {
  validateStages(stages);
  let stageStartS = 0;
  let before = 0; // arrivals promised by the earlier stages (fractional: stage joins stay evenly spaced)
  for (const s of stages) {
    const total = stageArrivals(s);
    const slope = (s.to - s.from) / s.durationS;
    for (let k = Math.floor(before + 1e-9) + 1; k <= before + total + 1e-9; k++) {
      const local = k - before;
      // Solve from*t + slope*t²/2 = local for t in [0, d].
      const t = slope === 0 ? local / s.from : (-s.from + Math.sqrt(Math.max(0, s.from * s.from + 2 * slope * local))) / slope;
      yield (stageStartS + Math.min(Math.max(t, 0), s.durationS)) * 1000;
    }
    before += total;
    stageStartS += s.durationS;
  }
}

/** `"30s@500"`, `"10s@0-500,30s@500"`: stages in the CLI's short form (duration @ rate or from-to). */
export function parseStages(text: string): Stage[] {
  return text.split(',').map((part) => {
    const m = /^\s*(\d+(?:\.\d+)?)(ms|s|m)?@(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?\s*$/.exec(part);
    if (!m) throw new Error(`stage "${part}" must look like 30s@500 or 10s@0-500`);
    const unit = m[2] ?? 's';
    const durationS = Number(m[1]) * (unit === 'ms' ? 0.001 : unit === 'm' ? 60 : 1);
    const from = Number(m[3]);
    const to = m[4] === undefined ? from : Number(m[4]);
    return { durationS, from, to };
  });
}
