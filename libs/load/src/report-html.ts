import type { LoadReport } from './load-report';

/**
 * The run as one self-contained HTML page: no script, no font, no CDN; every chart is inline SVG drawn here.
 * The report's JSON rides along in a `<script type="application/json">` for anyone who wants the numbers.
 */
const W = 960;
const H = 220;
const PAD = { left: 72, right: 210, top: 28, bottom: 28 };
const PALETTE = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];
const STATUS_COLORS: Record<string, string> = { '2xx': '#16a34a', '3xx': '#0891b2', '4xx': '#ca8a04', '429': '#ea580c', '5xx': '#dc2626', timeout: '#7c3aed', network: '#4b5563', dropped: '#111827' };
const BREAKER_COLORS: Record<string, string> = { closed: '#16a34a', halfOpen: '#ca8a04', 'half-open': '#ca8a04', open: '#dc2626' };

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

interface Series {
  name: string;
  values: (number | null)[];
  color?: string;
  dashed?: boolean;
}

function frame(title: string, id: string, maxY: number, n: number, unit: string, body: string, legend: { name: string; color: string }[]): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const y = PAD.top + plotH * (1 - f);
      return `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${y}" y2="${y}" stroke="#e5e7eb"/><text x="${PAD.left - 6}" y="${y + 4}" text-anchor="end">${fmt(maxY * f)}</text>`;
    })
    .join('');
  const xTicks = Array.from({ length: 6 }, (_, i) => Math.round(((n - 1) * i) / 5))
    .filter((v, i, a) => a.indexOf(v) === i)
    .map((t) => `<text x="${PAD.left + (n <= 1 ? 0 : (plotW * t) / (n - 1))}" y="${H - 8}" text-anchor="middle">${t}s</text>`)
    .join('');
  const keys = legend.map((l, i) => `<rect x="${W - PAD.right + 12}" y="${PAD.top + i * 18}" width="12" height="12" fill="${l.color}"/><text x="${W - PAD.right + 30}" y="${PAD.top + i * 18 + 10}">${esc(l.name)}</text>`).join('');
  return `<figure id="${id}"><figcaption>${esc(title)}</figcaption><svg class="chart" data-chart="${id}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}"><text x="${PAD.left - 6}" y="${PAD.top - 10}" text-anchor="end">${esc(unit)}</text>${ticks}${xTicks}${body}${keys}</svg></figure>`;
}

function lineChart(title: string, id: string, unit: string, series: Series[]): string {
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const maxY = niceMax(Math.max(0, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null))));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (n <= 1 ? plotW / 2 : (plotW * i) / (n - 1));
  const y = (v: number) => PAD.top + plotH * (1 - v / maxY);
  const colored = series.map((s, i) => ({ ...s, color: s.color ?? PALETTE[i % PALETTE.length]! }));
  const body = colored
    .map((s) => {
      const points = s.values.map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`)).filter((p) => p !== null);
      return `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${points.join(' ')}"/>`;
    })
    .join('');
  return frame(title, id, maxY, n, unit, body, colored);
}

function stackedBars(title: string, id: string, unit: string, rows: Record<string, number>[], colorOf: (key: string, i: number) => string): string {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))].sort();
  const n = Math.max(1, rows.length);
  const maxY = niceMax(Math.max(0, ...rows.map((r) => Object.values(r).reduce((a, b) => a + b, 0))));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const barW = Math.max(1, plotW / n - 1);
  const bars = rows
    .map((r, i) => {
      let base = 0;
      return keys
        .map((k, ki) => {
          const v = r[k] ?? 0;
          if (v === 0) return '';
          const h = (plotH * v) / maxY;
          base += h;
          const x0 = PAD.left + (n <= 1 ? 0 : (plotW * i) / n);
          return `<rect x="${x0.toFixed(1)}" y="${(PAD.top + plotH - base).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${colorOf(k, ki)}"><title>${i}s ${esc(k)}: ${v}</title></rect>`;
        })
        .join('');
    })
    .join('');
  const empty = keys.length === 0 ? `<text x="${PAD.left + plotW / 2}" y="${PAD.top + plotH / 2}" text-anchor="middle" class="none">none in this run</text>` : '';
  return frame(title, id, maxY, n, unit, bars + empty, keys.map((k, i) => ({ name: k, color: colorOf(k, i) })));
}

function stateStrips(title: string, id: string, timeline: LoadReport['timeline']): string {
  const names = [...new Set(timeline.flatMap((p) => Object.keys(p.breakers)))].sort();
  const n = Math.max(1, timeline.length);
  const rowH = 22;
  const height = PAD.top + Math.max(1, names.length) * (rowH + 6) + PAD.bottom;
  const plotW = W - PAD.left - PAD.right;
  const cells = names
    .map((name, r) => {
      const y = PAD.top + r * (rowH + 6);
      const label = `<text x="${PAD.left - 6}" y="${y + 15}" text-anchor="end">${esc(name)}</text>`;
      const rects = timeline
        .map((p, i) => {
          const state = p.breakers[name];
          if (!state) return '';
          return `<rect x="${(PAD.left + (plotW * i) / n).toFixed(1)}" y="${y}" width="${Math.max(1, plotW / n).toFixed(1)}" height="${rowH}" fill="${BREAKER_COLORS[state] ?? '#9ca3af'}"><title>${i}s ${esc(name)}: ${esc(state)}</title></rect>`;
        })
        .join('');
      return label + rects;
    })
    .join('');
  const empty = names.length === 0 ? `<text x="${PAD.left + plotW / 2}" y="${PAD.top + 15}" text-anchor="middle" class="none">no breaker states (GET /gateway/status not read)</text>` : '';
  const legend = Object.entries({ closed: '#16a34a', 'half-open': '#ca8a04', open: '#dc2626' })
    .map(([k, c], i) => `<rect x="${W - PAD.right + 12}" y="${PAD.top + i * 18}" width="12" height="12" fill="${c}"/><text x="${W - PAD.right + 30}" y="${PAD.top + i * 18 + 10}">${k}</text>`)
    .join('');
  return `<figure id="${id}"><figcaption>${esc(title)}</figcaption><svg class="chart" data-chart="${id}" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="${esc(title)}">${cells}${empty}${legend}</svg></figure>`;
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** 200 -> 2xx, but 429 stays itself: rate limiting is what a reader looks for. */
export function statusClass(status: string): string {
  if (status === '429' || !/^\d{3}$/.test(status)) return status;
  return `${status[0]}xx`;
}

export function renderHtmlReport(report: LoadReport): string {
  const t = report.timeline;
  const s = report.summary;
  const classes = t.map((p) => {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(p.byStatus)) out[statusClass(k)] = (out[statusClass(k)] ?? 0) + v;
    return out;
  });
  const row = (k: string, v: string) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`;
  const lat = s.latencyMs;
  const names = Object.entries(s.byName)
    .sort()
    .map(([name, v]) => `<tr><td>${esc(name)}</td><td>${v.latencyMs.count}</td><td>${fmt(v.latencyMs.p50)}</td><td>${fmt(v.latencyMs.p90)}</td><td>${fmt(v.latencyMs.p99)}</td><td>${fmt(v.latencyMs.max)}</td><td>${esc(Object.entries(v.byStatus).sort().map(([k, n]) => `${k}: ${n}`).join(', '))}</td></tr>`)
    .join('');
  const thresholds = report.thresholds.map((th) => `<li class="${th.ok ? 'ok' : 'fail'}">${th.ok ? 'passed' : 'FAILED'}: <code>${esc(th.expression)}</code> (actual ${fmt(th.actual)})</li>`).join('');
  const data = JSON.stringify(report).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Load report: ${esc(report.meta.scenario)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#111827;max-width:1100px}
h1{font-size:20px;margin:0 0 4px}.sub{color:#4b5563;margin:0 0 16px}
table{border-collapse:collapse;margin:8px 0 16px}th,td{padding:3px 10px;border-bottom:1px solid #e5e7eb;text-align:left}
td:not(:first-child){font-variant-numeric:tabular-nums}
figure{margin:12px 0}figcaption{font-weight:600;margin-bottom:2px}svg.chart{font-size:11px;fill:#374151;background:#fff;border:1px solid #e5e7eb}
.none{fill:#9ca3af}.ok{color:#15803d}.fail{color:#b91c1c;font-weight:600}.verdict{display:inline-block;padding:2px 8px;border-radius:4px;color:#fff}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:0 24px}
</style></head><body>
<h1>Load report: ${esc(report.meta.scenario)} <span class="verdict" style="background:${report.passed ? '#16a34a' : '#dc2626'}">${report.passed ? 'passed' : 'failed'}</span></h1>
<p class="sub">${esc(report.meta.baseUrl)} · ${esc(report.meta.model)} · started ${esc(report.meta.startedAt)} · ${report.meta.durationS.toFixed(1)} s</p>
<div class="grid"><table id="summary">
${row('requests', `${s.requests} (${fmt(s.ratePerS)}/s)`)}
${row('arrivals promised / dropped', s.intendedArrivals === null ? 'closed model' : `${s.intendedArrivals} / ${s.dropped}`)}
${row('latency p50 / p90 / p99 / max', `${fmt(lat.p50)} / ${fmt(lat.p90)} / ${fmt(lat.p99)} / ${fmt(lat.max)} ms`)}
${row('errors', `${s.errors} (${s.errorRatePercent.toFixed(3)} %)`)}
${row('rate limited (429)', String(s.rateLimited))}
${row('identity', report.meta.identity)}
${row('order outcomes', Object.entries(s.outcomes).sort().map(([k, v]) => `${k}: ${v}`).join(', ') || '-')}
</table><div><strong>Thresholds</strong><ul>${thresholds || '<li>none given</li>'}</ul></div></div>
${lineChart('Throughput: answers per second (dashed: arrivals promised)', 'throughput', 'req/s', [
  { name: 'answers/s', values: t.map((p) => p.requests) },
  ...(t.some((p) => p.intended !== null) ? [{ name: 'promised/s', values: t.map((p) => p.intended ?? 0), dashed: true, color: '#9ca3af' }] : []),
])}
${lineChart('Latency percentiles per second (HDR histogram)', 'latency', 'ms', [
  { name: 'p50', values: t.map((p) => (p.requests ? p.latencyMs.p50 : null)) },
  { name: 'p90', values: t.map((p) => (p.requests ? p.latencyMs.p90 : null)) },
  { name: 'p99', values: t.map((p) => (p.requests ? p.latencyMs.p99 : null)) },
  { name: 'max', values: t.map((p) => (p.requests ? p.latencyMs.max : null)), color: '#d1d5db' },
])}
${stackedBars('Status codes per second', 'status-codes', 'answers', classes, (k, i) => STATUS_COLORS[k] ?? PALETTE[i % PALETTE.length]!)}
${stackedBars('Rate-limit rejections (429) per second', 'rate-limited', '429/s', t.map((p): Record<string, number> => (p.rateLimited ? { '429': p.rateLimited } : {})), () => STATUS_COLORS['429']!)}
${stateStrips('Circuit breaker state (from GET /gateway/status)', 'breakers', t)}
${stackedBars('Order outcomes by reason, per second', 'outcomes', 'orders', t.map((p) => p.outcomes), (k, i) => (k === 'CONFIRMED' ? '#16a34a' : PALETTE[(i + 2) % PALETTE.length]!))}
<h2>Per request</h2>
<table id="per-request"><tr><th>request</th><th>count</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>max ms</th><th>statuses</th></tr>${names}</table>
<script type="application/json" id="load-report-data">${data}</script>
</body></html>
`;
}
