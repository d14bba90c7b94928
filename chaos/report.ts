/**
 * What one scenario measured, and how it is written: a summary row (the table of docs/resilience.md), a
 * Markdown section, JSON, and an SVG timeline of outcomes per second with the fault's span marked.
 */
import type { DbOrder, Invariant } from './ledger';
import type { TargetClass } from './scenarios';
import type { ClientError, OrderAttempt } from './traffic';

export interface FaultSpan {
  label: string;
  startMs: number;
  endMs?: number;
}

export interface BreakerSample {
  atMs: number;
  upstream: string;
  state: string;
}

export interface Target {
  name: string;
  ok: boolean;
  measured: string;
}

export interface ScenarioResult {
  name: string;
  title: string;
  rate: number;
  startedAtMs: number;
  trafficEndedAtMs: number;
  faults: FaultSpan[];
  attempted: number;
  accepted: number;
  confirmed: number;
  cancelledByReason: Record<string, number>;
  pending: number;
  /** route -> "status code" -> count */
  clientErrors: Record<string, Record<string, number>>;
  retries: number;
  acceptP50Ms: number;
  acceptP99Ms: number;
  acceptToFinalP99Ms: number;
  convergedAfterS: number | undefined;
  breakerOpenS: Record<string, number>;
  invariants: Invariant[];
  targets: Target[];
  timeline: TimelineSecond[];
  load: string;
  fatal?: string;
}

export interface TimelineSecond {
  s: number;
  sent: number;
  accepted: number;
  confirmed: number;
  cancelled: number;
  cancelledTimeout: number;
  errors: number;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Computes the measures of one scenario from the clients' records and the databases' orders. */
export function measure(input: {
  name: string;
  title: string;
  rate: number;
  targets: TargetClass;
  startedAtMs: number;
  trafficEndedAtMs: number;
  faults: FaultSpan[];
  attempts: readonly OrderAttempt[];
  errors: readonly ClientError[];
  retries: number;
  dbOrders: readonly DbOrder[];
  breakerSamples: readonly BreakerSample[];
  invariants: Invariant[];
  load: string;
}): ScenarioResult {
  const { attempts, dbOrders, errors } = input;
  const byKey = new Map(dbOrders.map((o) => [o.key, o]));
  const accepted = attempts.filter((a) => a.id !== undefined);
  const cancelledByReason: Record<string, number> = {};
  for (const o of dbOrders) if (o.status === 'CANCELLED') cancelledByReason[o.reason ?? 'none'] = (cancelledByReason[o.reason ?? 'none'] ?? 0) + 1;
  const clientErrors: Record<string, Record<string, number>> = {};
  for (const e of errors) {
    const perRoute = (clientErrors[e.route] ??= {});
    const label = `${e.status} ${e.code}`;
    perRoute[label] = (perRoute[label] ?? 0) + 1;
  }
  const faultEnd = Math.max(...input.faults.map((f) => f.endMs ?? f.startMs), input.startedAtMs);
  // Converged: every order placed before the fault ended is final, and no client saw an error since.
  const finalsOfFaultOrders = attempts
    .filter((a) => a.scheduledAtMs <= faultEnd && a.key !== undefined)
    .map((a) => byKey.get(a.key!)?.finalAtMs ?? (byKey.has(a.key!) ? Number.POSITIVE_INFINITY : 0));
  const lastError = Math.max(0, ...errors.map((e) => e.atMs));
  const lastEvent = Math.max(0, lastError, ...finalsOfFaultOrders);
  const convergedAfterS = Number.isFinite(lastEvent) ? Math.max(0, (lastEvent - faultEnd) / 1000) : undefined;

  const breakerOpenS: Record<string, number> = {};
  for (const s of input.breakerSamples) if (s.state !== 'closed') breakerOpenS[s.upstream] = (breakerOpenS[s.upstream] ?? 0) + 1;

  const seconds = Math.ceil((Math.max(input.trafficEndedAtMs, ...dbOrders.map((o) => o.finalAtMs ?? 0)) - input.startedAtMs) / 1000) + 1;
  const timeline: TimelineSecond[] = Array.from({ length: Math.min(seconds, 3600) }, (_, s) => ({ s, sent: 0, accepted: 0, confirmed: 0, cancelled: 0, cancelledTimeout: 0, errors: 0 }));
  const at = (ms: number) => timeline[Math.floor((ms - input.startedAtMs) / 1000)];
  for (const a of attempts) {
    const sent = at(a.scheduledAtMs);
    if (sent) sent.sent++;
    const acc = a.acceptedAtMs === undefined ? undefined : at(a.acceptedAtMs);
    if (acc) acc.accepted++;
  }
  for (const o of dbOrders) {
    const fin = o.finalAtMs === null ? undefined : at(o.finalAtMs);
    if (!fin) continue;
    if (o.status === 'CONFIRMED') fin.confirmed++;
    else {
      fin.cancelled++;
      if (o.reason === 'timeout') fin.cancelledTimeout++;
    }
  }
  for (const e of errors) {
    const sec = at(e.atMs);
    if (sec) sec.errors++;
  }

  const result: ScenarioResult = {
    name: input.name,
    title: input.title,
    rate: input.rate,
    startedAtMs: input.startedAtMs,
    trafficEndedAtMs: input.trafficEndedAtMs,
    faults: input.faults,
    attempted: attempts.length,
    accepted: accepted.length,
    confirmed: dbOrders.filter((o) => o.status === 'CONFIRMED').length,
    cancelledByReason,
    pending: dbOrders.filter((o) => o.status === 'PENDING').length,
    clientErrors,
    retries: input.retries,
    acceptP50Ms: percentile(accepted.map((a) => a.acceptedAtMs! - a.scheduledAtMs), 50),
    acceptP99Ms: percentile(accepted.map((a) => a.acceptedAtMs! - a.scheduledAtMs), 99),
    acceptToFinalP99Ms: percentile(dbOrders.filter((o) => o.finalAtMs !== null).map((o) => o.finalAtMs! - o.createdAtMs), 99),
    convergedAfterS,
    breakerOpenS,
    invariants: input.invariants,
    targets: [],
    timeline,
    load: input.load,
  };
  result.targets = targetsFor(input.targets, result, attempts, dbOrders, faultEnd);
  return result;
}

const countErrors = (r: ScenarioResult, routes?: readonly string[]) =>
  Object.entries(r.clientErrors)
    .filter(([route]) => !routes || routes.includes(route))
    .reduce((sum, [, byCode]) => sum + Object.values(byCode).reduce((a, b) => a + b, 0), 0);

/** Routes served by a service with ONE instance in the topology (inventory, payment). */
const ROUTES_OF_SINGLE_INSTANCE_SERVICES: readonly string[] = ['GET /api/products', 'GET /api/payments/accounts/:id'];

/** The issue's targets for the scenario's class, each with what was measured. */
function targetsFor(kind: TargetClass, r: ScenarioResult, attempts: readonly OrderAttempt[], dbOrders: readonly DbOrder[], faultEnd: number): Target[] {
  const t: Target[] = [];
  const timeouts = r.cancelledByReason.timeout ?? 0;
  const possible = attempts.filter((a) => !a.impossible);
  const byKey = new Map(dbOrders.map((o) => [o.key, o]));
  const declinedForFunds = possible.filter((a) => a.key && byKey.get(a.key)?.reason === 'insufficient funds').length;
  const couldSucceed = possible.length - declinedForFunds;
  const confirmedPossible = possible.filter((a) => a.key && byKey.get(a.key)?.status === 'CONFIRMED').length;
  const share = couldSucceed === 0 ? 1 : confirmedPossible / couldSucceed;
  if (kind === 'restart') {
    t.push({ name: '0 orders cancelled by timeout', ok: timeouts === 0, measured: String(timeouts) });
    t.push({ name: '>= 99.5 % of possible orders CONFIRMED', ok: share >= 0.995, measured: `${(100 * share).toFixed(1)} % (${confirmedPossible}/${couldSucceed})` });
    // The contract's rule: a restart fails no request on a route that does not NEED the missing part. Inventory
    // and payment run one instance each, so while one restarts its own read route has no instance (no_instance).
    const total = countErrors(r);
    const needMissing = Object.entries(r.clientErrors)
      .filter(([route]) => ROUTES_OF_SINGLE_INSTANCE_SERVICES.includes(route))
      .reduce((sum, [, byCode]) => sum + (byCode['503 no_instance'] ?? 0), 0);
    t.push({
      name: '0 client-visible errors on routes that do not need the restarted part',
      ok: total - needMissing === 0,
      measured: needMissing > 0 ? `${total - needMissing} (and ${needMissing} no_instance on a route whose one instance restarted)` : String(total),
    });
    t.push({ name: 'accept p99 <= 1 s', ok: r.acceptP99Ms <= 1000, measured: `${Math.round(r.acceptP99Ms)} ms` });
  }
  if (kind === 'inventory-down') {
    const other = countErrors(r, ['POST /api/orders/tokens', 'GET /api/orders/:id', 'GET /api/payments/accounts/:id']);
    t.push({ name: 'tokens, order reads, payments: 0 errors', ok: other === 0, measured: String(other) });
    t.push({ name: "gateway's order breaker stays closed", ok: !r.breakerOpenS.order, measured: `${r.breakerOpenS.order ?? 0} s not closed` });
    const placeErrors = countErrors(r, ['POST /api/orders']);
    t.push({ name: 'orders placed meanwhile accepted', ok: placeErrors === 0, measured: `${placeErrors} refused after retries` });
    t.push({ name: '0 orders cancelled by timeout', ok: timeouts === 0, measured: String(timeouts) });
  }
  if (kind === 'payment') {
    const other = countErrors(r, ['POST /api/orders/tokens', 'POST /api/orders', 'GET /api/orders/:id', 'GET /api/products']);
    t.push({ name: 'routes other than payments: 0 errors', ok: other === 0, measured: String(other) });
    t.push({ name: 'no order stuck PENDING', ok: r.pending === 0, measured: String(r.pending) });
  }
  if (kind === 'infra') {
    const lost = r.invariants.find((i) => i.name === 'every accepted order exists');
    t.push({ name: 'nothing lost', ok: lost?.ok ?? false, measured: lost?.detail ?? 'n/a' });
    // The orders that lived through the fault: placed before it ended.
    const duringFault = new Set(attempts.filter((a) => a.scheduledAtMs <= faultEnd && a.key).map((a) => a.key!));
    const lastFinal = Math.max(0, ...dbOrders.filter((o) => duringFault.has(o.key)).map((o) => o.finalAtMs ?? Number.POSITIVE_INFINITY));
    const within = (lastFinal - faultEnd) / 1000;
    t.push({ name: "every order placed before the fault's end final within 30 s of it", ok: within <= 30, measured: Number.isFinite(within) ? `${Math.max(0, within).toFixed(1)} s` : 'never' });
  }
  t.push({ name: 'every invariant holds', ok: r.invariants.every((i) => i.ok), measured: `${r.invariants.filter((i) => i.ok).length}/${r.invariants.length}` });
  return t;
}

// ------------------------------------------------------------------------------------------------ writing
const ms = (n: number) => (Number.isFinite(n) ? (n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`) : 'n/a');

/** Total, then the most frequent status/code pairs over all routes (the per-route split is in the scenario's section). */
function errorsCell(r: ScenarioResult): string {
  const byCode = new Map<string, number>();
  for (const codes of Object.values(r.clientErrors)) for (const [code, n] of Object.entries(codes)) byCode.set(code, (byCode.get(code) ?? 0) + n);
  const total = [...byCode.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return '0';
  const top = [...byCode].sort((a, b) => b[1] - a[1]);
  const shown = top.slice(0, 3).map(([code, n]) => `${code.replace(/^0 no_answer_/, 'no answer: ')} ×${n}`);
  return `${total}: ${shown.join(', ')}${top.length > 3 ? ', …' : ''}`;
}

function errorsByRoute(r: ScenarioResult): string[] {
  const rows = Object.entries(r.clientErrors).flatMap(([route, codes]) => Object.entries(codes).map(([code, n]) => `| ${route} | ${code} | ${n} |`));
  return rows.length === 0 ? ['No client-visible error on any route.'] : ['| route | status code | after retries |', '|---|---|---:|', ...rows];
}

export function summaryTable(results: readonly ScenarioResult[]): string {
  const rows = results.map((r) => {
    if (r.fatal) return `| ${r.name} | run failed: ${r.fatal.replace(/\|/g, '/')} ||||||||||`;
    const cancelled = Object.entries(r.cancelledByReason).map(([reason, n]) => `${reason} ${n}`).join(', ') || '0';
    const targetsOk = r.targets.filter((t) => t.ok).length;
    return [
      r.name,
      `${r.attempted} @${r.rate}/s`,
      r.accepted,
      r.confirmed,
      cancelled,
      errorsCell(r),
      `${ms(r.acceptP50Ms)} / ${ms(r.acceptP99Ms)}`,
      ms(r.acceptToFinalP99Ms),
      r.convergedAfterS === undefined ? 'never' : `${r.convergedAfterS.toFixed(1)} s`,
      r.invariants.every((i) => i.ok) ? 'all hold' : `**${r.invariants.filter((i) => !i.ok).length} broken**`,
      `${targetsOk}/${r.targets.length}${targetsOk === r.targets.length ? '' : ' ✗'}`,
    ].join(' | ').replace(/^/, '| ').concat(' |');
  });
  return [
    '| scenario | attempted | accepted | CONFIRMED | CANCELLED by reason | client-visible errors after retries | accept p50 / p99 | accept → final p99 | converged after fault | invariants | targets met |',
    '|---|---:|---:|---:|---|---|---:|---:|---:|---|---:|',
    ...rows,
  ].join('\n');
}

export function scenarioMarkdown(r: ScenarioResult): string {
  if (r.fatal) return `### ${r.name}: ${r.title}\n\nThe run failed: ${r.fatal}\n`;
  const rel = (t: number) => ((t - r.startedAtMs) / 1000).toFixed(1);
  return [
    `### ${r.name}: ${r.title}`,
    '',
    `Fault: ${r.faults.map((f) => `${f.label} from ${rel(f.startMs)} s to ${f.endMs ? `${rel(f.endMs)} s` : 'the end'}`).join('; ')}. Traffic ${r.rate} orders/s for ${rel(r.trafficEndedAtMs)} s; ${r.retries} retries by the clients' policy. Load: ${r.load}.`,
    `Breakers not closed (seconds sampled): ${Object.entries(r.breakerOpenS).map(([u, s]) => `${u} ${s}`).join(', ') || 'none'}.`,
    '',
    `Orders: ${r.attempted} attempted, ${r.accepted} answered 201 to their client, ${r.confirmed} CONFIRMED (an order the server took but whose client gave up counts as CONFIRMED, not as accepted).`,
    '',
    ...errorsByRoute(r),
    '',
    '| target | met | measured |',
    '|---|---|---|',
    ...r.targets.map((t) => `| ${t.name} | ${t.ok ? 'yes' : '**no**'} | ${t.measured} |`),
    '',
    '| invariant | holds | detail |',
    '|---|---|---|',
    ...r.invariants.map((i) => `| ${i.name} | ${i.ok ? 'yes' : '**no**'} | ${i.detail.replace(/\|/g, '/')} |`),
    '',
    `![timeline of ${r.name}](${r.name}.svg)`,
    '',
  ].join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Outcomes per second as lines, client errors as red bars, fault spans shaded, breaker-not-closed seconds as ticks. */
export function timelineSvg(r: ScenarioResult, breakerSamples: readonly BreakerSample[]): string {
  const width = 960;
  const height = 320;
  const left = 48;
  const right = 16;
  const top = 28;
  const plotBottom = 250;
  const n = Math.max(1, r.timeline.length);
  const maxY = Math.max(5, ...r.timeline.map((s) => Math.max(s.sent, s.accepted, s.confirmed, s.cancelled, s.errors)));
  const x = (s: number) => left + ((width - left - right) * s) / n;
  const y = (v: number) => plotBottom - ((plotBottom - top) * v) / maxY;
  const sec = (ms: number) => (ms - r.startedAtMs) / 1000;
  const line = (pick: (t: TimelineSecond) => number, color: string, dash = '') =>
    `<polyline fill="none" stroke="${color}" stroke-width="1.6"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${r.timeline.map((t) => `${x(t.s + 0.5).toFixed(1)},${y(pick(t)).toFixed(1)}`).join(' ')}"/>`;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="16" font-size="13" font-weight="bold">${esc(`${r.name}: ${r.title}`)}</text>`,
  ];
  for (const f of r.faults) {
    const x0 = x(sec(f.startMs));
    const x1 = x(sec(f.endMs ?? r.trafficEndedAtMs));
    parts.push(`<rect x="${x0.toFixed(1)}" y="${top}" width="${Math.max(2, x1 - x0).toFixed(1)}" height="${plotBottom - top}" fill="#f6c6c6" opacity="0.5"/>`);
    parts.push(`<text x="${(x0 + 3).toFixed(1)}" y="${top + 12}" fill="#a33">${esc(f.label)}</text>`);
  }
  for (let v = 0; v <= maxY; v += Math.max(1, Math.ceil(maxY / 5))) {
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`);
  }
  for (let s = 0; s <= n; s += 10) parts.push(`<text x="${x(s)}" y="${plotBottom + 14}" text-anchor="middle">${s}s</text>`);
  for (const t of r.timeline) if (t.errors > 0) parts.push(`<rect x="${x(t.s).toFixed(1)}" y="${y(t.errors).toFixed(1)}" width="${Math.max(1, x(1) - x(0) - 1).toFixed(1)}" height="${(plotBottom - y(t.errors)).toFixed(1)}" fill="#d62728" opacity="0.7"/>`);
  parts.push(line((t) => t.sent, '#999', '4 3'), line((t) => t.accepted, '#1f77b4'), line((t) => t.confirmed, '#2ca02c'), line((t) => t.cancelled, '#ff7f0e'), line((t) => t.cancelledTimeout, '#8c564b', '2 2'));
  const upstreams = [...new Set(breakerSamples.map((b) => b.upstream))].sort();
  upstreams.forEach((u, i) => {
    const rowY = plotBottom + 22 + i * 10;
    parts.push(`<text x="${left - 6}" y="${rowY + 7}" text-anchor="end" font-size="9">${esc(u)}</text>`);
    for (const b of breakerSamples) if (b.upstream === u && b.state !== 'closed') parts.push(`<rect x="${x(sec(b.atMs)).toFixed(1)}" y="${rowY}" width="${Math.max(1, x(1) - x(0)).toFixed(1)}" height="8" fill="${b.state === 'open' ? '#d62728' : '#ffbf00'}"/>`);
  });
  const legend = [
    ['#999', 'sent'],
    ['#1f77b4', 'accepted (201)'],
    ['#2ca02c', 'CONFIRMED'],
    ['#ff7f0e', 'CANCELLED'],
    ['#8c564b', 'CANCELLED timeout'],
    ['#d62728', 'client-visible errors'],
  ];
  legend.forEach(([color, label], i) => parts.push(`<rect x="${left + i * 150}" y="${height - 12}" width="10" height="10" fill="${color}"/><text x="${left + 14 + i * 150}" y="${height - 3}">${label}</text>`));
  parts.push(`<text x="${width - right}" y="16" text-anchor="end" fill="#666">per second; breaker rows: red open, amber half-open</text>`, '</svg>');
  return parts.join('\n');
}
