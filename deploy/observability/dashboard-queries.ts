import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The metric names a PromQL expression reads, by a small lexical pass that is enough for dashboard queries:
 * strings, label matchers, ranges and grouping label lists are dropped; what is left that is an identifier not
 * followed by `(` (a function or an aggregation) and not an operator keyword is a metric name.
 */
const KEYWORDS = new Set(['and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan']);

export function metricNamesOf(expr: string): string[] {
  let s = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  s = s.replace(/\{[^}]*\}/g, ' ');
  s = s.replace(/\[[^\]]*\]/g, ' ');
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of s.matchAll(/(?<![0-9.])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    if (s.slice(m.index + m[0].length).trimStart().startsWith('(')) continue;
    if (KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** The metric names a Prometheus text exposition declares or holds samples of (histogram series included). */
export function exportedMetricNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)/.exec(line);
    if (type) {
      names.add(type[1]!);
      if (type[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(type[1] + suffix);
      if (type[2] === 'summary') for (const suffix of ['_sum', '_count']) names.add(type[1] + suffix);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return names;
}

export interface DashboardQuery {
  dashboard: string;
  panel: string;
  expr: string;
}

/** Every Prometheus query of the provisioned dashboards (deploy/observability/grafana/dashboards/*.json). */
export function dashboardQueries(dir: string): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const dashboard = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { panels?: Panel[] };
    const walk = (panels: Panel[] | undefined): void => {
      for (const panel of panels ?? []) {
        for (const target of panel.targets ?? []) if (target.expr) queries.push({ dashboard: file, panel: panel.title ?? '', expr: target.expr });
        walk(panel.panels);
      }
    };
    walk(dashboard.panels);
  }
  return queries;
}

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}
