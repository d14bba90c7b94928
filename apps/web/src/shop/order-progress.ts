import { describeError } from '../api/http';
import { getOrder, listProducts, Order } from '../api/shop-api';
import { h, replaceChildren, whenChanged } from '../lib/dom';
import { formatCents, formatTime } from '../lib/format';
import { poll } from '../lib/poller';
import { messageSlot, statusBadge, View } from '../lib/view';

const POLL_MS = 700;
/** The saga has its own timeout; past this the page stops asking and says so rather than poll forever. */
const GIVE_UP_AFTER_MS = 5 * 60_000;

export const isFinal = (status: string): boolean => status === 'CONFIRMED' || status === 'CANCELLED';

/** One order's progress, live: PENDING -> CONFIRMED, or CANCELLED with its reason, and its history. */
export function orderProgressView(orderId: string, onFinal: (order: Order) => void = () => undefined): View {
  const messages = messageSlot('order-message');
  const body = h('div', { class: 'order-body', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading…'));
  const started = Date.now();

  // Product names make the lines readable; without them (inventory unreachable) the sku is shown.
  let names = new Map<string, string>();
  let lastOrder: Order | undefined;
  listProducts()
    .then((products) => {
      names = new Map(products.map((p) => [p.sku, p.name]));
      if (lastOrder) render({ order: lastOrder, names: [...names] });
    })
    .catch((error: unknown) => console.warn('product names unavailable; the order shows skus', error));

  const render = whenChanged(({ order }: { order: Order; names: [string, string][] }): void => {
    replaceChildren(
      body,
      h(
        'p',
        { class: 'order-status-line' },
        'Status ',
        statusBadge(order.status, 'order-status'),
        order.status === 'PENDING' ? h('span', { class: 'spinner', 'aria-hidden': 'true' }) : null,
      ),
      order.reason ? h('p', { class: 'notice notice-warn', 'data-testid': 'order-reason' }, `Reason: ${order.reason}`) : null,
      h(
        'table',
        { class: 'table compact' },
        h('caption', {}, 'Items'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Product'), h('th', { scope: 'col', class: 'num' }, 'Quantity'), h('th', { scope: 'col', class: 'num' }, 'Unit price'))),
        h(
          'tbody',
          {},
          ...order.items.map((item) =>
            h('tr', {}, h('td', {}, names.get(item.sku) ?? item.sku), h('td', { class: 'num' }, String(item.quantity)), h('td', { class: 'num' }, item.priceCents === undefined ? '—' : formatCents(item.priceCents))),
          ),
        ),
        h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', colspan: 2 }, 'Total'), h('td', { class: 'num', 'data-testid': 'order-total' }, formatCents(order.totalCents)))),
      ),
      h('h3', {}, 'History'),
      h(
        'ol',
        { class: 'history', 'data-testid': 'order-history' },
        ...order.history.map((step) =>
          h('li', {}, statusBadge(step.status), ' ', h('time', { datetime: step.at }, formatTime(step.at)), step.reason ? h('span', { class: 'muted' }, ` — ${step.reason}`) : null),
        ),
      ),
      h('p', {}, h('a', { href: `#/console?order=${encodeURIComponent(order.id)}` }, 'See this order’s saga in the operations console')),
    );
  });

  const stop = poll(async () => {
    try {
      const order = await getOrder(orderId);
      messages.clear();
      lastOrder = order;
      render({ order, names: [...names] });
      if (isFinal(order.status)) {
        onFinal(order);
        return false;
      }
    } catch (error: unknown) {
      messages.error(`Could not read the order. ${describeError(error)}`);
    }
    if (Date.now() - started > GIVE_UP_AFTER_MS) {
      messages.info('Still not final after 5 minutes; stopped refreshing. Reload the page to look again.');
      return false;
    }
    return true;
  }, POLL_MS);

  const element = h(
    'section',
    { class: 'card order-progress', 'data-testid': 'order-progress', 'data-order-id': orderId, 'aria-labelledby': `order-title-${orderId}` },
    h('h2', { id: `order-title-${orderId}` }, 'Order ', h('code', { 'data-testid': 'order-id' }, orderId)),
    messages.element,
    body,
  );
  return { element, dispose: stop };
}
