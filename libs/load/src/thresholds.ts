/**
 * Pass/fail criteria in the manner of k6's thresholds, evaluated on a run's summary: `p99<500ms`,
 * `p(95)<=200`, `avg<100ms`, `max<2s`, `errors<0.1%`, `rate>=490`, `rate_limited<1%`, `dropped==0`.
 * Latencies are in ms unless a unit says otherwise; `errors` and `rate_limited` are percentages of requests.
 */
export type ThresholdMetric = 'latency' | 'errors' | 'rate' | 'rate_limited' | 'dropped';

export interface Threshold {
  expression: string;
  metric: ThresholdMetric;
  /** For latency: the percentile (0..100), or 'avg' / 'max' / 'min'. */
  statistic?: number | 'avg' | 'max' | 'min';
  op: '<' | '<=' | '>' | '>=' | '==';
  value: number;
}

export interface ThresholdResult {
  expression: string;
  actual: number;
  ok: boolean;
}

/** What the thresholds are checked against. */
export interface ThresholdInputs {
  latencyMs: (statistic: number | 'avg' | 'max' | 'min') => number;
  requests: number;
  errors: number;
  rateLimited: number;
  dropped: number;
  ratePerS: number;
}

const SHAPE = /^\s*([a-z_]+|p\(\d+(?:\.\d+)?\)|p\d+(?:\.\d+)?)\s*(<=|>=|==|<|>)\s*(\d+(?:\.\d+)?)\s*(ms|s|%|\/s)?\s*$/;

export function parseThreshold(expression: string): Threshold {
  const m = SHAPE.exec(expression);
  if (!m) throw new Error(`threshold "${expression}" must look like p99<500ms, avg<100, errors<0.1%, rate>=490`);
  const [, name, op, raw, unit] = m as unknown as [string, string, Threshold['op'], string, string | undefined];
  const number = Number(raw);
  const percentile = /^p\(?(\d+(?:\.\d+)?)\)?$/.exec(name);
  const bad = (allowed: string) => new Error(`threshold "${expression}": ${name} takes ${allowed}`);
  if (percentile || name === 'avg' || name === 'max' || name === 'min') {
    if (unit !== undefined && unit !== 'ms' && unit !== 's') throw bad('ms or s');
    const statistic = percentile ? Number(percentile[1]) : (name as 'avg' | 'max' | 'min');
    if (typeof statistic === 'number' && !(statistic > 0 && statistic <= 100)) throw new Error(`threshold "${expression}": a percentile is in (0, 100]`);
    return { expression, metric: 'latency', statistic, op, value: unit === 's' ? number * 1000 : number };
  }
  if (name === 'errors' || name === 'rate_limited') {
    if (unit !== undefined && unit !== '%') throw bad('a percentage');
    return { expression, metric: name, op, value: number };
  }
  if (name === 'rate') {
    if (unit !== undefined && unit !== '/s') throw bad('requests per second');
    return { expression, metric: 'rate', op, value: number };
  }
  if (name === 'dropped') {
    if (unit !== undefined) throw bad('a count');
    return { expression, metric: 'dropped', op, value: number };
  }
  throw new Error(`threshold "${expression}": unknown metric ${name} (p<N>, avg, min, max, errors, rate_limited, rate, dropped)`);
}

export function evaluateThreshold(t: Threshold, inputs: ThresholdInputs): ThresholdResult {
  const percentOf = (n: number) => (inputs.requests === 0 ? 0 : (100 * n) / inputs.requests);
  const actual =
    t.metric === 'latency'
      ? inputs.latencyMs(t.statistic!)
      : t.metric === 'errors'
        ? percentOf(inputs.errors)
        : t.metric === 'rate_limited'
          ? percentOf(inputs.rateLimited)
          : t.metric === 'rate'
            ? inputs.ratePerS
            : inputs.dropped;
  const ok =
    t.op === '<' ? actual < t.value : t.op === '<=' ? actual <= t.value : t.op === '>' ? actual > t.value : t.op === '>=' ? actual >= t.value : actual === t.value;
  return { expression: t.expression, actual, ok };
}
