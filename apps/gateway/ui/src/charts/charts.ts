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
  const { admitted, rejected } = bucketPerSecond(points, now, WINDOW_SECONDS);
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

/** Each upstream's breaker state over the last minute as a coloured strip, with its state named in text too. */
export function breakerTimeline(series: ReadonlyMap<string, readonly StateSample<BreakerState>[]>, now: number): HTMLElement {
  const from = now - WINDOW_SECONDS * 1000;
  const rowH = 22;
  const labelW = 90;
  const plotW = WIDTH - labelW - PAD.right;
  const names = [...series.keys()].sort();
  const height = names.length * (rowH + 6) + 18;
  const rows = names.map((name, row) => {
    const y = row * (rowH + 6);
    const segments: Segment<BreakerState>[] = stateSegments(series.get(name) ?? [], from, now);
    return svg(
      'g',
      { 'data-testid': `breaker-row-${name}` },
      svg('text', { x: 0, y: y + rowH / 2 + 4, class: 'axis row-label' }, name),
      svg('rect', { x: labelW, y, width: plotW, height: rowH, class: 'strip-empty' }),
      ...segments.map((s) => {
        const x = labelW + ((s.from - from) / (now - from)) * plotW;
        const w = Math.max(((s.to - s.from) / (now - from)) * plotW, 1);
        return svg(
          'g',
          {},
          svg('rect', { x, y, width: w, height: rowH, class: `strip strip-${s.state.toLowerCase()}` }, svg('title', {}, `${name}: ${STATE_LABEL[s.state]}`)),
          w > 44 ? svg('text', { x: x + 4, y: y + rowH / 2 + 4, class: 'strip-text' }, STATE_LABEL[s.state]) : null,
        );
      }),
    );
  });
  const summary = names
    .map((name) => {
      const last = [...(series.get(name) ?? [])].sort((a, b) => a.t - b.t).pop();
      return `${name} ${last ? STATE_LABEL[last.state] : 'no data'}`;
    })
    .join(', ');
  return h(
    'figure',
    { class: 'chart-figure', 'data-testid': 'breaker-timeline' },
    svg(
      'svg',
      { viewBox: `0 0 ${WIDTH} ${Math.max(height, 30)}`, role: 'img', 'aria-label': `Breaker states over the last minute: ${summary || 'no breakers'}`, class: 'chart' },
      ...rows,
      svg('text', { x: labelW, y: height - 4, class: 'axis' }, '−60 s'),
      svg('text', { x: WIDTH - PAD.right, y: height - 4, class: 'axis', 'text-anchor': 'end' }, 'now'),
    ),
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
