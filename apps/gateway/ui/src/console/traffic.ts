import { HttpError, request } from '../api/http';
import { operatorSession } from '../api/session';
import { h } from '../lib/dom';

const MAX_REQUESTS = 200;
const MAX_CONCURRENCY = 10;

/** Paths a demo may drive: read-only calls, so a burst never places orders or moves money. */
const TARGETS = ['/api/products', '/api/payments/accounts/c-1', '/api/orders?customerId=c-1'] as const;

/**
 * A small, bounded burst of read-only requests from the browser, to watch the gateway at work without a load
 * tool: 429s when a rate limit bites, 503s when a breaker is open, slow answers when payment is slowed.
 */
export function trafficControl(): HTMLElement {
  const target = h('select', { id: 'traffic-target', 'data-testid': 'traffic-target' }, ...TARGETS.map((t) => h('option', { value: t }, t)));
  const count = h('input', { id: 'traffic-count', type: 'number', min: 1, max: MAX_REQUESTS, value: 30, 'data-testid': 'traffic-count' });
  const result = h('p', { class: 'traffic-result', 'aria-live': 'polite', 'data-testid': 'traffic-result' });
  const button = h('button', { type: 'submit', 'data-testid': 'traffic-send' }, 'Send');

  const send = async (): Promise<void> => {
    const total = Math.min(Math.max(Math.floor(Number(count.value)) || 1, 1), MAX_REQUESTS);
    const path = target.value;
    const byStatus = new Map<string, number>();
    let started = 0;
    let done = 0;
    const began = performance.now();
    button.disabled = true;
    const show = (): void => {
      const parts = [...byStatus.entries()].sort().map(([status, n]) => `${status}: ${n}`);
      result.textContent = `${done}/${total} answered in ${((performance.now() - began) / 1000).toFixed(1)} s — ${parts.join(', ') || '…'}`;
    };
    const worker = async (): Promise<void> => {
      while (started < total) {
        started++;
        let status: string;
        try {
          // As the signed-in operator (the API wants a token; without one the burst shows the 401s).
          status = String((await request<unknown>('GET', path, { timeoutMs: 15_000, headers: await operatorSession.headers() })).status);
        } catch (error: unknown) {
          status = error instanceof HttpError ? (error.status === 0 ? error.code : String(error.status)) : 'error';
        }
        byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
        done++;
        show();
      }
    };
    show();
    await Promise.all(Array.from({ length: Math.min(MAX_CONCURRENCY, total) }, worker));
    button.disabled = false;
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
    h('p', { class: 'hint' }, `Sends up to ${MAX_REQUESTS} read-only requests, ${MAX_CONCURRENCY} at a time, and counts the answers by status.`),
    h('div', { class: 'row' }, h('label', { for: 'traffic-count' }, 'Requests'), count, h('label', { for: 'traffic-target' }, 'to'), target, button),
    result,
  );
}
