import {
  BreakerState,
  ClusterNode,
  fetchCluster,
  fetchOutbox,
  fetchSaga,
  fetchSeries,
  fetchStatus,
  GatewayStatus,
  OutboxBacklog,
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
    h('div', { class: 'console-grid' }, clusterPanel.element, servicesPanel.element, breakersPanel.element, limitsPanel.element, chartsPanel.element, outboxPanel.element, sagaPanel.element, adminControls(sessionStorage)),
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
  preservingFocus(() => replaceChildren(body, note, table('Registry nodes', ['Node', 'Role', 'Term', 'Commit index', 'Applied', 'Address'], rows, [2, 3, 4])));
}

function renderServices(body: HTMLElement, status: GatewayStatus): void {
  const services = status.services.map((s) =>
    h(
      'li',
      { 'data-testid': `service-${s.service}` },
      h('strong', {}, s.service),
      ` — ${s.instances.length} instance${s.instances.length === 1 ? '' : 's'}`,
      h('ul', { class: 'instances' }, ...s.instances.map((i) => h('li', {}, h('code', {}, i.id), i.address ? ` ${i.address}:${i.port ?? ''}` : '', i.healthy === false ? ' (unhealthy)' : ''))),
    ),
  );
  const routes = status.routes.map((r) => h('tr', {}, h('td', {}, h('code', {}, r.prefix)), cell(r.service), cell(r.policy)));
  replaceChildren(
    body,
    services.length ? h('ul', { class: 'services' }, ...services) : h('p', { class: 'muted' }, 'No instances seen.'),
    routes.length ? table('Routes', ['Path', 'Service', 'Rate limit policy'], routes) : null,
  );
}

function renderBreakers(body: HTMLElement, status: GatewayStatus): void {
  const rows = status.breakers.map((b) =>
    h(
      'tr',
      { 'data-testid': `breaker-${b.name}`, 'data-state': b.state },
      h('th', { scope: 'row' }, b.name),
      h('td', {}, statusBadge(b.state, `breaker-state-${b.name}`)),
      h('td', { class: 'muted small' }, Object.entries(b.details).map(([k, v]) => `${k} ${v}`).join(' · ')),
    ),
  );
  replaceChildren(body, rows.length ? table('Breakers', ['Upstream', 'State', 'Details'], rows) : h('p', { class: 'muted' }, 'No breakers reported.'));
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
  replaceChildren(body, rows.length ? table('Rate limit policies', ['Policy', 'Algorithm', 'Settings', 'Admitted', 'Rejected'], rows, [3, 4]) : h('p', { class: 'muted' }, 'No rate limit policies reported.'));
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
      { 'data-testid': `outbox-${b.service}` },
      h('th', { scope: 'row' }, b.service),
      cell(b.pending, true),
      cell(b.parked, true),
      cell(b.oldestAgeMs === undefined ? undefined : `${(b.oldestAgeMs / 1000).toFixed(1)} s`, true),
      h('td', { class: 'muted' }, b.error ?? ''),
    ),
  );
  replaceChildren(body, rows.length ? table('Outbox backlog', ['Service', 'Unpublished', 'Parked', 'Oldest', ''], rows, [1, 2, 3]) : h('p', { class: 'muted' }, 'No outbox reported.'));
}

/** One order's saga as a timeline of its events, refreshed while it is shown. */
function sagaView(initialOrderId: string | undefined): View {
  const messages = messageSlot('saga-message');
  const timeline = h('ol', { class: 'timeline', 'data-testid': 'saga-timeline' });
  const input = h('input', { id: 'saga-order-id', type: 'text', value: initialOrderId ?? '', placeholder: 'order id', 'data-testid': 'saga-order-id', autocomplete: 'off' });
  let stop: (() => void) | undefined;
  const show = (orderId: string): void => {
    stop?.();
    timeline.replaceChildren();
    if (orderId === '') return;
    stop = poll(async () => {
      try {
        const saga = await fetchSaga(orderId);
        messages.clear();
        replaceChildren(
          timeline,
          ...saga.events.map((e) =>
            h(
              'li',
              { class: `event event-${e.type}`, 'data-testid': 'saga-event', 'data-type': e.type },
              h('time', { datetime: e.at ?? '' }, formatTime(e.at)),
              ' ',
              h('strong', {}, e.type),
              e.source ? h('span', { class: 'muted' }, ` ${e.source}`) : null,
              e.detail ? h('span', {}, ` — ${e.detail}`) : null,
            ),
          ),
        );
        if (saga.events.length === 0) messages.info('No events yet for this order.');
        // A saga is done once its order is final and the stock step that follows it (sale or release) is in.
        return !saga.events.some((e) => /^(StockCommitted|StockReleased|StockSold)$/.test(e.type));
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
    messages.element,
    timeline,
  );
  return { element, dispose: () => stop?.() };
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
