import type { BreakerState } from '../api/console-api';
import { h, svg } from '../lib/dom';
import { bucketPerSecond, Counted, linePath, niceCeil, Segment, stateSegments, StateSample } from './series-math';

const WIDTH = 360;
const HEIGHT = 120;
const PAD = { left: 34, right: 8, top: 8, bottom: 20 };
export const WINDOW_SECONDS = 60;

/**
 * Admitted (solid green) vs rejected (dashed red) requests per second over the last minute, for one rate
 * limit policy. Two encodings (colour and dash) so the lines are told apart without colour vision too.
 */
export function rateChart(policy: string, points: readonly Counted[], now: number): HTMLElement {
  // The second in progress is still counting: the chart ends at the last complete one.
  const { admitted, rejected } = bucketPerSecond(points, now - 1000, WINDOW_SECONDS);
  const max = niceCeil(Math.max(...admitted, ...rejected));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const lastAdmitted = admitted[admitted.length - 1];
  const lastRejected = rejected[rejected.length - 1];
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const label = `${policy}: over the last minute ${sum(admitted)} admitted and ${sum(rejected)} rejected; last second ${lastAdmitted} admitted, ${lastRejected} rejected.`;
  const gridLines = [0, max / 2, max].map((v) => {
    const y = PAD.top + plotH - (v / max) * plotH;
    return svg('g', {}, svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y, y2: y, class: 'grid' }), svg('text', { x: PAD.left - 4, y: y + 3, class: 'axis', 'text-anchor': 'end' }, formatTick(v)));
  });
  const xTicks = [
    [0, '−60 s'],
    [0.5, '−30 s'],
    [1, 'now'],
  ] as const;
  const chart = svg(
    'svg',
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': label, class: 'chart' },
    svg('title', {}, label),
    ...gridLines,
    ...xTicks.map(([f, text]) => svg('text', { x: PAD.left + f * plotW, y: HEIGHT - 5, class: 'axis', 'text-anchor': f === 0 ? 'start' : f === 1 ? 'end' : 'middle' }, text)),
    svg('g', { transform: `translate(${PAD.left},${PAD.top})` }, svg('path', { d: linePath(admitted, plotW, plotH, max), class: 'line-admitted' }), svg('path', { d: linePath(rejected, plotW, plotH, max), class: 'line-rejected' })),
  );
  return h(
    'figure',
    { class: 'chart-figure', 'data-testid': `rate-chart-${policy}` },
    chart,
    h(
      'figcaption',
      {},
      h('strong', {}, policy),
      ' ',
      h('span', { class: 'legend legend-admitted' }, `admitted ${lastAdmitted}/s`),
      ' ',
      h('span', { class: 'legend legend-rejected' }, `rejected ${lastRejected}/s`),
    ),
  );
}

const formatTick = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(1));

const STATE_LABEL: Record<BreakerState, string> = { CLOSED: 'closed', OPEN: 'open', HALF_OPEN: 'half-open', UNKNOWN: 'unknown' };

/**
 * Each upstream's breaker state over the last minute: one strip per upstream, coloured by state (green closed,
 * amber half-open, red open), drawn in SVG with percentage coordinates so a strip keeps its height at any
 * width; the current state is also written out in text.
 */
export function breakerTimeline(series: ReadonlyMap<string, readonly StateSample<BreakerState>[]>, now: number): HTMLElement {
  const from = now - WINDOW_SECONDS * 1000;
  const span = now - from;
  const names = [...series.keys()].sort();
  const rows = names.map((name) => {
    const samples = series.get(name) ?? [];
    const segments: Segment<BreakerState>[] = stateSegments(samples, from, now);
    const current = [...samples].sort((a, b) => a.t - b.t).pop()?.state;
    const label = `${name}: ${segments.map((s) => `${STATE_LABEL[s.state]} ${Math.round((s.to - s.from) / 1000)} s`).join(', then ') || 'no data'}`;
    return h(
      'div',
      { class: 'strip-row', 'data-testid': `breaker-row-${name}`, 'data-state': current ?? 'UNKNOWN' },
      h('span', { class: 'strip-name' }, name),
      svg(
        'svg',
        { class: 'strip-svg', role: 'img', 'aria-label': label, preserveAspectRatio: 'none' },
        svg('title', {}, label),
        svg('rect', { x: '0%', y: 0, width: '100%', height: '100%', class: 'strip-empty' }),
        ...segments.map((s) =>
          svg('rect', {
            x: `${(((s.from - from) / span) * 100).toFixed(3)}%`,
            y: 0,
            width: `${Math.max(((s.to - s.from) / span) * 100, 0.4).toFixed(3)}%`,
            height: '100%',
            class: `strip strip-${s.state.toLowerCase()}`,
          }),
        ),
      ),
      h('span', { class: `strip-now badge badge-${(current ?? 'unknown').toLowerCase()}` }, current ? STATE_LABEL[current] : 'no data'),
    );
  });
  return h(
    'figure',
    { class: 'chart-figure breaker-timeline', 'data-testid': 'breaker-timeline' },
    ...rows,
    h('div', { class: 'strip-axis', 'aria-hidden': 'true' }, h('span', {}, '−60 s'), h('span', {}, 'now')),
    h(
      'figcaption',
      {},
      h('span', { class: 'legend legend-closed' }, 'closed'),
      ' ',
      h('span', { class: 'legend legend-half_open' }, 'half-open'),
      ' ',
      h('span', { class: 'legend legend-open' }, 'open'),
    ),
  );
}
