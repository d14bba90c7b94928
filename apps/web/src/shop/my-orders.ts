import { describeError } from '../api/http';
import { listOrders, Order } from '../api/shop-api';
import { h, preservingFocus, replaceChildren, whenChanged } from '../lib/dom';
import { formatCents, formatTime } from '../lib/format';
import { poll } from '../lib/poller';
import { AppContext, messageSlot, statusBadge, View } from '../lib/view';
import { orderProgressView } from './order-progress';

const REFRESH_MS = 3000;

const createdAt = (order: Order): string => order.createdAt ?? order.history[0]?.at ?? '';

/** The chosen customer's orders, newest first, refreshed while the page is open. */
export function myOrdersView(ctx: AppContext): View {
  const customerId = ctx.store.customerId;
  const messages = messageSlot('orders-message');
  const tbody = h('tbody', { 'data-testid': 'my-orders' });
  const count = h('span', { class: 'muted', 'data-testid': 'my-orders-count' });

  const render = whenChanged((orders: Order[]): void =>
    preservingFocus(() => {
      count.textContent = `(${orders.length})`;
      const rows = [...orders]
        .sort((a, b) => createdAt(b).localeCompare(createdAt(a)))
        .map((order) =>
          h(
            'tr',
            { 'data-testid': 'order-row', 'data-order-id': order.id },
            h('td', {}, h('a', { href: `#/orders/${encodeURIComponent(order.id)}`, id: `order-link-${order.id}` }, h('code', {}, order.id))),
            h('td', {}, statusBadge(order.status)),
            h('td', {}, order.reason ?? ''),
            h('td', { class: 'num' }, String(order.items.reduce((n, i) => n + i.quantity, 0))),
            h('td', { class: 'num' }, formatCents(order.totalCents)),
            h('td', {}, h('time', { datetime: createdAt(order) }, formatTime(createdAt(order)))),
          ),
        );
      replaceChildren(tbody, ...(rows.length ? rows : [h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No orders yet.'))]));
    }),
  );

  const stop = poll(async () => {
    try {
      render(await listOrders());
      messages.clear();
    } catch (error: unknown) {
      messages.error(`Could not load your orders. ${describeError(error)}`);
    }
  }, REFRESH_MS);

  const element = h(
    'section',
    { class: 'page', 'aria-labelledby': 'orders-title' },
    h('h1', { id: 'orders-title' }, `Orders of ${customerId} `, count),
    messages.element,
    h(
      'table',
      { class: 'table' },
      h(
        'thead',
        {},
        h('tr', {}, ...['Order', 'Status', 'Reason', 'Items', 'Total', 'Placed at'].map((title, i) => h('th', { scope: 'col', class: i === 3 || i === 4 ? 'num' : undefined }, title))),
      ),
      tbody,
    ),
  );
  return { element, dispose: stop };
}

/** One order on a page of its own (`#/orders/<id>`), live until it is final. */
export function orderPageView(ctx: AppContext, orderId: string): View {
  const progress = orderProgressView(orderId, () => ctx.refreshBalance());
  const element = h('section', { class: 'page' }, h('p', {}, h('a', { href: '#/orders' }, '← My orders')), progress.element);
  return { element, dispose: progress.dispose };
}
