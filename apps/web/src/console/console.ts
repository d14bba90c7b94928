import {
  Breaker,
  BreakerState,
  ClusterNode,
  fetchCluster,
  fetchOutbox,
  fetchSaga,
  fetchSeries,
  fetchStatus,
  GatewayStatus,
  OutboxBacklog,
  SagaEvent,
  Series,
} from '../api/console-api';
import { describeError, HttpError } from '../api/http';
import { breakerTimeline, rateChart, WINDOW_SECONDS } from '../charts/charts';
import { Counted, deltasFromCounters, StateSample } from '../charts/series-math';
import { h, preservingFocus, replaceChildren } from '../lib/dom';
import { formatTime } from '../lib/format';
import { poll } from '../lib/poller';
import { messageSlot, statusBadge, View } from '../lib/view';
import { adminControls } from './admin-controls';

const STATUS_MS = 1000;
const CLUSTER_MS = 2000;
const OUTBOX_MS = 2000;
const SAGA_MS = 1500;

/** The operations console: the architecture at work, live, and the controls that change it. */
export function consoleView(initialOrderId: string | undefined): View {
  const stops: (() => void)[] = [];
  const local = new LocalHistory();

  const clusterPanel = panel('cluster', 'Registry cluster (Raft)');
  stops.push(
    poll(async () => {
      try {
        renderCluster(clusterPanel.body, await fetchCluster());
        clusterPanel.messages.clear();
      } catch (error: unknown) {
        clusterPanel.messages.error(`Could not read the cluster. ${describeError(error)}`);
      }
    }, CLUSTER_MS),
  );

  const servicesPanel = panel('services', 'Services and routes');
  const breakersPanel = panel('breakers', 'Circuit breakers');
  const limitsPanel = panel('rate-limits', 'Rate limits');
  let lastStatus: GatewayStatus | undefined;
  stops.push(
    poll(async () => {
      try {
        lastStatus = await fetchStatus();
        local.record(lastStatus, Date.now());
        renderServices(servicesPanel.body, lastStatus);
        renderBreakers(breakersPanel.body, lastStatus);
        renderPolicies(limitsPanel.body, lastStatus);
        for (const p of [servicesPanel, breakersPanel, limitsPanel]) p.messages.clear();
      } catch (error: unknown) {
        for (const p of [servicesPanel, breakersPanel, limitsPanel]) p.messages.error(`Could not read the gateway status. ${describeError(error)}`);
      }
    }, STATUS_MS),
  );

  const chartsPanel = panel('charts', 'Last minute');
  let seriesFromGateway = true;
  stops.push(
    poll(async () => {
      let series: Series | undefined;
      if (seriesFromGateway) {
        try {
          series = await fetchSeries();
          chartsPanel.messages.clear();
        } catch (error: unknown) {
          if (error instanceof HttpError && error.status === 404) seriesFromGateway = false;
          else chartsPanel.messages.error(`Could not read the series. ${describeError(error)}`);
        }
      }
      if (!seriesFromGateway) {
        series = local.series();
        chartsPanel.messages.info('The gateway keeps no series (GET /gateway/series is missing): these charts come from this page’s own polling of /gateway/status since it opened.');
      }
      if (series) renderCharts(chartsPanel.body, withCurrentBreakerStates(series, lastStatus, Date.now()));
    }, STATUS_MS),
  );

  const outboxPanel = panel('outbox', 'Outbox backlog (local message table)');
  stops.push(
    poll(async () => {
      try {
        renderOutbox(outboxPanel.body, await fetchOutbox());
        outboxPanel.messages.clear();
      } catch (error: unknown) {
        outboxPanel.messages.error(`Could not read the outbox backlog. ${describeError(error)}`);
      }
    }, OUTBOX_MS),
  );

  const sagaPanel = sagaView(initialOrderId);
  stops.push(sagaPanel.dispose);

  const element = h(
    'section',
    { class: 'page console', 'aria-labelledby': 'console-title' },
    h('h1', { id: 'console-title' }, 'Operations console'),
    h('div', { class: 'console-grid' }, clusterPanel.element, servicesPanel.element, breakersPanel.element, limitsPanel.element, chartsPanel.element, outboxPanel.element, sagaPanel.element, adminControls()),
  );
  return { element, dispose: () => stops.forEach((stop) => stop()) };
}

function panel(id: string, title: string): { element: HTMLElement; body: HTMLElement; messages: ReturnType<typeof messageSlot> } {
  const messages = messageSlot(`${id}-message`);
  const body = h('div', { 'data-testid': `${id}-body` }, h('p', { class: 'muted' }, 'Loading…'));
  const element = h('section', { class: 'panel', id: `panel-${id}`, 'aria-labelledby': `${id}-title`, 'data-testid': `panel-${id}` }, h('h2', { id: `${id}-title` }, title), messages.element, body);
  return { element, body, messages };
}

function table(caption: string | null, headers: string[], rows: HTMLElement[], numeric: number[] = []): HTMLElement {
  return h(
    'table',
    { class: 'table compact' },
    caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
    h('thead', {}, h('tr', {}, ...headers.map((title, i) => h('th', { scope: 'col', class: numeric.includes(i) ? 'num' : undefined }, title)))),
    h('tbody', {}, ...rows),
  );
}

const cell = (value: string | number | undefined, numeric = false): HTMLElement => h('td', { class: numeric ? 'num' : undefined }, value === undefined ? '—' : String(value));

function renderCluster(body: HTMLElement, nodes: ClusterNode[]): void {
  const leaders = new Set(nodes.filter((n) => n.role === 'leader').map((n) => n.id));
  const rows = nodes.map((n) =>
    h(
      'tr',
      { class: leaders.has(n.id) ? 'leader' : undefined, 'data-testid': `cluster-node-${n.id}`, 'data-role': n.role },
      h('th', { scope: 'row' }, n.id, leaders.has(n.id) ? h('span', { class: 'visually-hidden' }, ' (leader)') : null),
      h('td', {}, statusBadge(n.role)),
      cell(n.term, true),
      cell(n.commitIndex, true),
      cell(n.appliedIndex, true),
      cell(n.leader ?? (n.error ? undefined : 'none')),
      h('td', { class: 'muted' }, n.error ?? n.url ?? ''),
    ),
  );
  const terms = new Set(nodes.map((n) => n.term).filter((t) => t !== undefined));
  const note =
    leaders.size === 0
      ? h('p', { class: 'notice notice-warn' }, 'No leader right now: writes wait for an election (503 with Retry-After).')
      : leaders.size > 1
        ? h('p', { class: 'notice notice-warn' }, `${leaders.size} nodes say they lead (terms ${[...terms].join(', ')}): only the one in the highest term has a majority.`)
        : null;
  preservingFocus(() => replaceChildren(body, note, table('Registry nodes', ['Node', 'Role', 'Term', 'Commit index', 'Applied', 'Leader it sees', 'Address'], rows, [2, 3, 4])));
}

function renderServices(body: HTMLElement, status: GatewayStatus): void {
  const services = status.services.map((s) =>
    h(
      'li',
      { 'data-testid': `service-${s.service}` },
      h('strong', {}, s.service),
      ` — ${s.instances.length} instance${s.instances.length === 1 ? '' : 's'}`,
      s.instances.length === 0 ? h('span', { class: 'badge badge-open' }, 'none') : null,
      h(
        'ul',
        { class: 'instances' },
        ...s.instances.map((i) =>
          h(
            'li',
            {},
            h('code', {}, i.id),
            i.address ? ` ${i.address}` : '',
            i.sent === undefined ? null : h('span', { class: 'muted' }, ` · sent ${i.sent}${i.outstanding ? ` · in flight ${i.outstanding}` : ''}${i.failures ? ` · failures ${i.failures}` : ''}`),
          ),
        ),
      ),
    ),
  );
  const routes = status.routes.map((r) => h('tr', {}, h('td', {}, h('code', {}, r.path)), cell(r.service)));
  replaceChildren(
    body,
    services.length ? h('ul', { class: 'services' }, ...services) : h('p', { class: 'muted' }, 'No instances seen.'),
    routes.length ? table('Routes', ['Path', 'Service'], routes) : null,
  );
}

function breakerDetails(b: Breaker): string {
  const parts = [
    b.calls === undefined ? undefined : `calls ${b.calls}`,
    b.failures ? `failures ${b.failures}` : undefined,
    b.timeouts ? `timeouts ${b.timeouts}` : undefined,
    b.slowCalls ? `slow ${b.slowCalls}` : undefined,
    b.rejects ? `refused ${b.rejects}` : undefined,
    b.p99Ms ? `p99 ${Math.round(b.p99Ms)} ms` : undefined,
    b.state === 'OPEN' && b.retryAfterMs ? `probe in ${(b.retryAfterMs / 1000).toFixed(1)} s` : undefined,
  ];
  return parts.filter((p) => p !== undefined).join(' · ');
}

function renderBreakers(body: HTMLElement, status: GatewayStatus): void {
  const rows = status.breakers.map((b) =>
    h(
      'tr',
      { 'data-testid': `breaker-${b.name}`, 'data-state': b.state },
      h('th', { scope: 'row' }, b.name),
      h('td', {}, statusBadge(b.state, `breaker-state-${b.name}`)),
      h('td', { class: 'muted small' }, breakerDetails(b)),
    ),
  );
  replaceChildren(
    body,
    rows.length ? table('Breakers', ['Upstream', 'State', 'Last rolling window'], rows) : h('p', { class: 'muted' }, 'No breakers yet: one is made for an upstream on its first call.'),
  );
}

function renderPolicies(body: HTMLElement, status: GatewayStatus): void {
  const rows = status.policies.map((p) =>
    h(
      'tr',
      { 'data-testid': `policy-${p.name}` },
      h('th', { scope: 'row' }, p.name),
      cell(p.algorithm),
      h('td', { class: 'small' }, Object.entries(p.settings).map(([k, v]) => `${k} ${v}`).join(' · ')),
      h('td', { class: 'num', 'data-testid': `policy-admitted-${p.name}` }, p.admitted === undefined ? '—' : String(p.admitted)),
      h('td', { class: 'num', 'data-testid': `policy-rejected-${p.name}` }, p.rejected === undefined ? '—' : String(p.rejected)),
    ),
  );
  replaceChildren(
    body,
    status.rateLimitRedis ? h('p', { class: 'small' }, 'Shared counters in Redis: ', statusBadge(status.rateLimitRedis)) : null,
    rows.length ? table('Rate limit policies', ['Policy', 'Algorithm', 'Settings', 'Admitted', 'Rejected'], rows, [3, 4]) : h('p', { class: 'muted' }, 'No rate limit policies reported.'),
  );
}

function renderCharts(body: HTMLElement, series: Series): void {
  const now = Date.now();
  const charts = [...series.policies.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, points]) => rateChart(name, points, now));
  replaceChildren(
    body,
    h('h3', {}, 'Admitted vs rejected per second, per policy'),
    charts.length ? h('div', { class: 'chart-grid' }, ...charts) : h('p', { class: 'muted' }, 'No rate limit series yet.'),
    h('h3', {}, 'Breaker state'),
    series.breakers.size ? breakerTimeline(series.breakers, now) : h('p', { class: 'muted' }, 'No breaker series yet.'),
  );
}

/**
 * The strips end in the state the gateway reports now: a breaker that never changed state has no transition
 * to draw from, and one remade by a config change starts closed without a transition.
 */
function withCurrentBreakerStates(series: Series, status: GatewayStatus | undefined, now: number): Series {
  if (!status) return series;
  const breakers = new Map(series.breakers);
  for (const b of status.breakers) {
    const samples = breakers.get(b.name);
    breakers.set(b.name, samples && samples.length > 0 ? [...samples, { t: now, state: b.state }] : [{ t: 0, state: b.state }]);
  }
  return { ...series, breakers };
}

function renderOutbox(body: HTMLElement, backlog: OutboxBacklog[]): void {
  const rows = backlog.map((b) =>
    h(
      'tr',
      { 'data-testid': `outbox-${b.service}`, class: (b.parked ?? 0) + (b.parkedInbound ?? 0) > 0 ? 'warn' : undefined },
      h('th', { scope: 'row', title: b.instance ? `asked ${b.instance}` : undefined }, b.service),
      cell(b.pending, true),
      cell(b.oldestAgeMs === undefined ? undefined : b.pending ? `${(b.oldestAgeMs / 1000).toFixed(1)} s` : '—', true),
      cell(b.parked, true),
      cell(b.parkedInbound, true),
      cell(b.published, true),
    ),
  );
  const failures = backlog.filter((b) => b.error).map((b) => `${b.service}: ${b.error}`);
  replaceChildren(
    body,
    rows.length ? table('Outbox backlog', ['Service', 'Unpublished', 'Oldest', 'Dead letters', 'Parked inbound', 'Published'], rows, [1, 2, 3, 4, 5]) : h('p', { class: 'muted' }, 'No outbox reported.'),
    failures.length ? h('p', { class: 'notice notice-warn' }, `Not answering: ${failures.join('; ')}`) : null,
    h('p', { class: 'hint' }, 'Unpublished rows wait for the relay (Kafka down shows here); dead letters and parked messages wait for a replay. Published rows are kept until the retention cleanup.'),
  );
}

/** After the order's final event, keep refreshing a little so the last consumers' inbox records show up. */
const SAGA_SETTLE_MS = 10_000;

/** One order's saga as a timeline of its events, refreshed while it is shown. */
function sagaView(initialOrderId: string | undefined): View {
  const messages = messageSlot('saga-message');
  const timeline = h('ol', { class: 'timeline', 'data-testid': 'saga-timeline' });
  const traceLink = h('p', { class: 'hint' });
  const input = h('input', { id: 'saga-order-id', type: 'text', value: initialOrderId ?? '', placeholder: 'order id', 'data-testid': 'saga-order-id', autocomplete: 'off', size: 38 });
  let stop: (() => void) | undefined;
  const show = (orderId: string): void => {
    stop?.();
    timeline.replaceChildren();
    messages.clear();
    if (orderId === '') return;
    let finishedAt: number | undefined;
    stop = poll(async () => {
      try {
        const saga = await fetchSaga(orderId);
        replaceChildren(timeline, ...saga.events.map(sagaEvent));
        replaceChildren(traceLink, ...(saga.traceUrl ? [h('a', { href: saga.traceUrl, target: '_blank', rel: 'noopener', 'data-testid': 'saga-trace-link' }, 'Open this order\'s trace in Jaeger')] : []));
        if (saga.unanswered.length > 0) messages.error(`Not every service answered, so steps may be missing: ${saga.unanswered.join('; ')}.`);
        else if (saga.events.length === 0) messages.info('No events for this order (yet).');
        else messages.clear();
        if (finishedAt === undefined && saga.events.some((e) => e.type === 'OrderConfirmed' || e.type === 'OrderCancelled')) finishedAt = Date.now();
        // A service that did not answer leaves a gap: keep asking until every one has.
        return saga.unanswered.length > 0 || finishedAt === undefined || Date.now() - finishedAt < SAGA_SETTLE_MS;
      } catch (error: unknown) {
        messages.error(`Could not read the saga of ${orderId}. ${describeError(error)}`);
        return !(error instanceof HttpError && error.status === 404);
      }
    }, SAGA_MS);
  };
  if (initialOrderId) show(initialOrderId);
  const element = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'saga-title', 'data-testid': 'panel-saga' },
    h('h2', { id: 'saga-title' }, 'Order saga'),
    h(
      'form',
      {
        class: 'row',
        onsubmit: (e: Event) => {
          e.preventDefault();
          show(input.value.trim());
        },
      },
      h('label', { for: 'saga-order-id' }, 'Order id'),
      input,
      h('button', { type: 'submit', 'data-testid': 'saga-show' }, 'Show saga'),
    ),
    h('p', { class: 'hint' }, 'Each step as the services recorded it: “out” rows of an outbox (the local message table), “in” records of an inbox.'),
    messages.element,
    traceLink,
    timeline,
  );
  return { element, dispose: () => stop?.() };
}

function sagaEvent(e: SagaEvent): HTMLElement {
  const where = e.source ? `${e.source}${e.direction === 'out' ? ' outbox' : e.direction === 'in' ? ' inbox' : ''}` : '';
  return h(
    'li',
    { class: `event event-${e.direction ?? 'step'}`, 'data-testid': 'saga-event', 'data-type': e.type, 'data-direction': e.direction ?? '' },
    h('time', { datetime: e.at ?? '' }, formatTime(e.at)),
    ' ',
    h('strong', {}, e.type),
    where ? h('span', { class: 'muted' }, ` ${e.direction === 'in' ? '→' : '←'} ${where}`) : null,
    e.status ? h('span', { class: 'muted small' }, ` (${e.status})`) : null,
    e.detail ? h('span', {}, ` — ${e.detail}`) : null,
  );
}

/** The fallback series: counters and breaker states read at each status poll, kept for a little over a minute. */
class LocalHistory {
  private readonly counters = new Map<string, { t: number; admitted: number; rejected: number }[]>();
  private readonly breakers = new Map<string, StateSample<BreakerState>[]>();

  record(status: GatewayStatus, now: number): void {
    const keepFrom = now - (WINDOW_SECONDS + 5) * 1000;
    for (const p of status.policies) {
      if (p.admitted === undefined || p.rejected === undefined) continue;
      const list = this.counters.get(p.name) ?? [];
      list.push({ t: now, admitted: p.admitted, rejected: p.rejected });
      this.counters.set(p.name, list.filter((r) => r.t >= keepFrom));
    }
    for (const b of status.breakers) {
      const list = this.breakers.get(b.name) ?? [];
      list.push({ t: now, state: b.state });
      // Keep the sample just before the window too, so the strip knows the state at its left edge.
      const firstInside = list.findIndex((s) => s.t >= keepFrom);
      this.breakers.set(b.name, firstInside > 0 ? list.slice(firstInside - 1) : list);
    }
  }

  series(): Series {
    const policies = new Map<string, Counted[]>();
    for (const [name, readings] of this.counters) policies.set(name, deltasFromCounters(readings));
    return { policies, breakers: new Map(this.breakers) };
  }
}
