import type { LoadRun } from './load-engine';
import { latencyMs, Window } from './recorder';
import { evaluateThreshold, parseThreshold, ThresholdResult } from './thresholds';

/** A run as data: the summary, the thresholds' verdicts and a timeline per second (the report's JSON file). */
export interface LatencySummary {
  count: number;
  avg: number;
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  'p99.9': number;
  max: number;
}

export interface TimelinePoint {
  t: number;
  requests: number;
  intended: number | null;
  inFlight: number;
  errors: number;
  rateLimited: number;
  byStatus: Record<string, number>;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  breakers: Record<string, string>;
  outcomes: Record<string, number>;
}

export interface LoadReport {
  meta: {
    tool: 'shop load';
    baseUrl: string;
    scenario: string;
    model: string;
    startedAt: string;
    durationS: number;
    identity: 'signed in' | 'no identity on this gateway (sign-in answered 404)' | 'not used';
    stoppedEarly: boolean;
  };
  summary: {
    requests: number;
    iterations: number;
    failedIterations: number;
    /** Answers per second over the run (the drain included). */
    ratePerS: number;
    /** The open model: arrivals promised, and how many were started (the rest were dropped at max in-flight). */
    intendedArrivals: number | null;
    dropped: number;
    errors: number;
    errorRatePercent: number;
    rateLimited: number;
    byStatus: Record<string, number>;
    latencyMs: LatencySummary;
    byName: Record<string, { byStatus: Record<string, number>; latencyMs: LatencySummary }>;
    outcomes: Record<string, number>;
  };
  thresholds: ThresholdResult[];
  passed: boolean;
  timeline: TimelinePoint[];
}

const round = (n: number) => Math.round(n * 1000) / 1000;

function summarize(h: Window['latency']): LatencySummary {
  return {
    count: h.totalCount,
    avg: round(latencyMs(h, 'avg')),
    min: round(latencyMs(h, 'min')),
    p50: round(latencyMs(h, 50)),
    p90: round(latencyMs(h, 90)),
    p95: round(latencyMs(h, 95)),
    p99: round(latencyMs(h, 99)),
    'p99.9': round(latencyMs(h, 99.9)),
    max: round(latencyMs(h, 'max')),
  };
}

/** Thresholds are parsed before the run (a typo fails at once); pass the same list here. */
export function buildReport(run: LoadRun, context: { baseUrl: string; scenario: string; model: string; thresholds: readonly string[] }): LoadReport {
  const r = run.recorder;
  const activeS = Math.max(run.durationS, 1e-9);
  const thresholds = context.thresholds.map(parseThreshold).map((t) =>
    evaluateThreshold(t, {
      latencyMs: (s) => latencyMs(r.overall, s),
      requests: r.requests,
      errors: r.errors,
      rateLimited: r.rateLimited,
      dropped: r.dropped,
      ratePerS: r.requests / activeS,
    }),
  );
  return {
    meta: {
      tool: 'shop load',
      baseUrl: context.baseUrl,
      scenario: context.scenario,
      model: context.model,
      startedAt: run.startedAt,
      durationS: round(run.durationS),
      identity: run.identity === true ? 'signed in' : run.identity === false ? 'no identity on this gateway (sign-in answered 404)' : 'not used',
      stoppedEarly: run.stoppedEarly,
    },
    summary: {
      requests: r.requests,
      iterations: r.iterations,
      failedIterations: r.failedIterations,
      ratePerS: round(r.requests / activeS),
      intendedArrivals: run.intendedArrivals ?? null,
      dropped: r.dropped,
      errors: r.errors,
      errorRatePercent: round(r.requests === 0 ? 0 : (100 * r.errors) / r.requests),
      rateLimited: r.rateLimited,
      byStatus: { ...r.byStatus },
      latencyMs: summarize(r.overall),
      byName: Object.fromEntries([...r.byName].map(([name, v]) => [name, { byStatus: { ...v.byStatus }, latencyMs: summarize(v.histogram) }])),
      outcomes: { ...r.outcomes },
    },
    thresholds,
    passed: thresholds.every((t) => t.ok),
    timeline: r.windows.map((w) => ({
      t: w.t,
      requests: w.requests,
      intended: w.intended ?? null,
      inFlight: w.inFlight,
      errors: w.errors,
      rateLimited: w.rateLimited,
      byStatus: { ...w.byStatus },
      latencyMs: { p50: round(latencyMs(w.latency, 50)), p90: round(latencyMs(w.latency, 90)), p99: round(latencyMs(w.latency, 99)), max: round(latencyMs(w.latency, 'max')) },
      breakers: { ...w.breakers },
      outcomes: { ...w.outcomes },
    })),
  };
}

/** The end-of-run table, for a terminal. */
export function summaryTable(report: LoadReport): string {
  const s = report.summary;
  const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`;
  const rows: [string, string][] = [
    ['scenario', `${report.meta.scenario}, ${report.meta.model}`],
    ['duration', `${report.meta.durationS.toFixed(1)} s${report.meta.stoppedEarly ? ' (stopped at the hard limit)' : ''}`],
    ['requests', `${s.requests} (${s.ratePerS.toFixed(1)}/s)${s.intendedArrivals === null ? '' : `, ${s.intendedArrivals} arrivals promised, ${s.dropped} dropped`}`],
    ['iterations', `${s.iterations}${s.failedIterations ? `, ${s.failedIterations} threw` : ''}`],
    ['latency', `p50 ${ms(s.latencyMs.p50)}  p90 ${ms(s.latencyMs.p90)}  p99 ${ms(s.latencyMs.p99)}  max ${ms(s.latencyMs.max)}`],
    ['status', Object.entries(s.byStatus).sort().map(([k, v]) => `${k}: ${v}`).join('  ') || '-'],
    ['errors', `${s.errors} (${s.errorRatePercent.toFixed(3)} %), 429: ${s.rateLimited}`],
    ['identity', report.meta.identity],
  ];
  if (Object.keys(s.outcomes).length > 0) rows.push(['orders', Object.entries(s.outcomes).sort().map(([k, v]) => `${k}: ${v}`).join('  ')]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  const names = Object.entries(s.byName);
  if (names.length > 0) {
    lines.push('', `${'request'.padEnd(32)} ${'count'.padStart(7)} ${'p50'.padStart(10)} ${'p99'.padStart(10)} ${'max'.padStart(10)}  errors`);
    for (const [name, v] of names.sort()) {
      const errors = Object.entries(v.byStatus).filter(([k]) => !/^[123]\d\d$/.test(k)).reduce((sum, [, n]) => sum + n, 0);
      lines.push(`${name.slice(0, 32).padEnd(32)} ${String(v.latencyMs.count + (v.byStatus['dropped'] ?? 0)).padStart(7)} ${ms(v.latencyMs.p50).padStart(10)} ${ms(v.latencyMs.p99).padStart(10)} ${ms(v.latencyMs.max).padStart(10)}  ${errors}`);
    }
  }
  if (report.thresholds.length > 0) {
    lines.push('');
    for (const t of report.thresholds) lines.push(`${t.ok ? 'ok  ' : 'FAIL'} ${t.expression} (actual ${round(t.actual)})`);
  }
  return lines.join('\n');
}

/** The live line: elapsed, rate, p50/p99 of the last second, errors by status, 429s, breakers. */
export function progressLine(p: import('./load-engine').Progress): string {
  const errors = Object.entries(p.byStatus)
    .filter(([k]) => !/^[123]\d\d$/.test(k))
    .sort()
    .map(([k, v]) => `${k}:${v}`)
    .join(' ');
  const breakers = Object.entries(p.breakers)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return `[${p.elapsedS.toFixed(0).padStart(4)}s] ${String(p.ratePerS).padStart(5)} req/s  p50 ${p.p50Ms.toFixed(1)}ms p99 ${p.p99Ms.toFixed(1)}ms  in-flight ${p.inFlight}  errors ${p.errors}${errors ? ` (${errors})` : ''}  429s ${p.rateLimited}${breakers ? `  breakers ${breakers}` : ''}`;
}
