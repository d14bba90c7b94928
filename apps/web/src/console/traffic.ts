import { h } from '../lib/dom';

const MAX_REQUESTS = 200;
const MAX_CONCURRENCY = 10;

/** Paths a demo may drive: read-only calls, so a burst never places orders or moves money. */
const TARGETS = ['/api/products', '/api/payments/accounts/c-1', '/api/orders?customerId=c-1'] as const;

/**
 * A small, bounded burst of read-only requests from the browser, to watch the gateway at work without a load
 * tool: 429s when a rate limit bites, 503s when a breaker is open, slow answers when payment is slowed. It runs
 * the load tool's own engine (@shop/load, closed model), signed in as c-1 where the API needs a token.
 */
export function trafficControl(): HTMLElement {
  const target = h('select', { id: 'traffic-target', 'data-testid': 'traffic-target' }, ...TARGETS.map((t) => h('option', { value: t }, t)));
  const count = h('input', { id: 'traffic-count', type: 'number', min: 1, max: MAX_REQUESTS, value: 30, 'data-testid': 'traffic-count' });
  const result = h('p', { class: 'traffic-result', 'aria-live': 'polite', 'data-testid': 'traffic-result' });
  const button = h('button', { type: 'submit', 'data-testid': 'traffic-send' }, 'Send');

  const send = async (): Promise<void> => {
    const total = Math.min(Math.max(Math.floor(Number(count.value)) || 1, 1), MAX_REQUESTS);
    const began = performance.now();
    button.disabled = true;
    const show = (answered: number, byStatus: Record<string, number>, p99Ms?: number): void => {
      const parts = Object.entries(byStatus)
        .sort()
        .map(([status, n]) => `${status}: ${n}`);
      const p99 = p99Ms === undefined ? '' : `, p99 ${p99Ms.toFixed(0)} ms`;
      result.textContent = `${answered}/${total} answered in ${((performance.now() - began) / 1000).toFixed(1)} s — ${parts.join(', ') || '…'}${p99}`;
    };
    show(0, {});
    try {
      // Loaded on first use: the engine and its HDR histograms would triple the page's script for every shopper.
      const { runLoad, scenarioFromFile } = await import('@shop/load');
      const run = await runLoad({
        baseUrl: location.origin,
        scenario: scenarioFromFile({ name: 'console burst', steps: [{ method: 'GET', path: target.value, name: target.value }] }),
        model: { kind: 'closed', vus: Math.min(MAX_CONCURRENCY, total), durationS: 60 },
        maxIterations: total,
        customers: 1,
        requestTimeoutMs: 15_000,
        statusEveryMs: 0,
        fetch: (input, init) => fetch(input, init),
        onProgress: (p) => show(p.requests, p.byStatus),
      });
      // The burst's own answers: the engine's sign-in (as c-1, where the API wants a token) is not one of them.
      const burst = run.recorder.byName.get(target.value);
      const byStatus = { ...(burst?.byStatus ?? {}) };
      delete byStatus['dropped'];
      show(run.recorder.iterations, byStatus, (burst?.histogram ?? run.recorder.overall).getValueAtPercentile(99) / 1000);
    } finally {
      button.disabled = false;
    }
  };

  return h(
    'form',
    {
      class: 'control',
      'aria-labelledby': 'traffic-title',
      onsubmit: (e: Event) => {
        e.preventDefault();
        void send();
      },
    },
    h('h3', { id: 'traffic-title' }, 'Traffic'),
    h('p', { class: 'hint' }, `Sends up to ${MAX_REQUESTS} read-only requests, ${MAX_CONCURRENCY} at a time, and counts the answers by status (the engine of npm run load).`),
    h('div', { class: 'row' }, h('label', { for: 'traffic-count' }, 'Requests'), count, h('label', { for: 'traffic-target' }, 'to'), target, button),
    result,
  );
}
