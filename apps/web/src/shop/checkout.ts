import { describeError, HttpError } from '../api/http';
import { createOrderToken, listProducts, OrderToken, placeOrder, Product } from '../api/shop-api';
import { h, replaceChildren } from '../lib/dom';
import { formatCents, formatTime } from '../lib/format';
import { AppContext, messageSlot, View } from '../lib/view';
import { AttemptOutcome, describeOutcome, outcomeOfAnswer, outcomeOfError } from './attempts';
import { CartLine, cartTotalCents } from './cart';
import { orderProgressView } from './order-progress';

/**
 * The checkout page, after the seed's token mechanism (token机制): opening it asks the server for an
 * idempotency token; every press of "Place order" sends the order with that same token as `Idempotency-Key`.
 * The order sent is a snapshot taken when the page opened, so a replayed press carries the identical body.
 */
export function checkoutView(ctx: AppContext): View {
  const customerId = ctx.store.customerId;
  const draft: readonly CartLine[] = ctx.store.cart.map((l) => ({ ...l }));
  const messages = messageSlot('checkout-message');
  const tokenSlot = h('div', { class: 'token', 'data-testid': 'token-panel' });
  const attemptList = h('ol', { class: 'attempts', 'data-testid': 'attempts', 'aria-live': 'polite' });
  const progressSlot = h('div', {});
  const placeButton = h('button', { type: 'button', class: 'primary big', 'data-testid': 'place-order', disabled: true }, 'Place order');
  let token: OrderToken | undefined;
  let progress: View | undefined;
  let orderId: string | undefined;
  let disposed = false;

  const summary = h('div', { class: 'summary', 'data-testid': 'checkout-summary' });
  const renderSummary = (products: Map<string, Product>): void => {
    replaceChildren(
      summary,
      h(
        'table',
        { class: 'table' },
        h('caption', {}, `Order for customer ${customerId}`),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Product'), h('th', { scope: 'col', class: 'num' }, 'Quantity'), h('th', { scope: 'col', class: 'num' }, 'Amount'))),
        h(
          'tbody',
          {},
          ...draft.map((line) => {
            const product = products.get(line.sku);
            return h(
              'tr',
              {},
              h('td', {}, product?.name ?? line.sku),
              h('td', { class: 'num' }, String(line.quantity)),
              h('td', { class: 'num' }, product ? formatCents(product.priceCents * line.quantity) : '—'),
            );
          }),
        ),
        h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', colspan: 2 }, 'Total'), h('td', { class: 'num' }, formatCents(cartTotalCents(draft, (sku) => products.get(sku)?.priceCents))))),
      ),
    );
  };

  const fetchToken = async (): Promise<void> => {
    placeButton.disabled = true;
    token = undefined;
    replaceChildren(tokenSlot, h('p', { class: 'muted' }, 'Getting an idempotency key…'));
    try {
      const fresh = await createOrderToken();
      if (disposed) return;
      token = fresh;
      messages.clear();
      replaceChildren(
        tokenSlot,
        h(
          'p',
          {},
          'Idempotency key ',
          h('code', { 'data-testid': 'idempotency-token' }, fresh.token),
          h('span', { class: 'muted' }, ` (valid until ${formatTime(fresh.expiresAt)}; every press of “Place order” sends this same key)`),
        ),
      );
      placeButton.disabled = false;
    } catch (error: unknown) {
      if (disposed) return;
      replaceChildren(tokenSlot, h('button', { type: 'button', 'data-testid': 'retry-token', onclick: () => void fetchToken() }, 'Try again'));
      messages.error(`Could not get an idempotency key, so the order cannot be sent yet. ${describeError(error)}`);
    }
  };

  const showProgress = (id: string): void => {
    if (orderId !== undefined) return;
    orderId = id;
    // The order exists now: the cart is emptied of what was ordered, the draft stays for replays.
    ctx.store.setCart(ctx.store.cart.filter((line) => !draft.some((d) => d.sku === line.sku && d.quantity === line.quantity)));
    progress = orderProgressView(id, () => ctx.refreshBalance());
    progressSlot.replaceChildren(progress.element, h('p', {}, h('a', { href: '#/', class: 'button' }, 'Continue shopping'), ' ', h('a', { href: '#/orders', class: 'button' }, 'My orders')));
  };

  const attempt = async (): Promise<void> => {
    if (!token) return;
    const number = attemptList.children.length + 1;
    const entry = h('li', { 'data-testid': 'attempt', 'data-outcome': 'sending' }, `Press ${number}: sending with key ${token.token.slice(0, 8)}…`);
    attemptList.appendChild(entry);
    let outcome: AttemptOutcome;
    try {
      const answer = await placeOrder(token.token, draft.map(({ sku, quantity }) => ({ sku, quantity })));
      outcome = outcomeOfAnswer(answer.status, answer.headers.get('Idempotent-Replayed'), answer.body.id);
    } catch (error: unknown) {
      if (!(error instanceof HttpError)) throw error;
      outcome = outcomeOfError(error);
    }
    if (disposed) return;
    entry.dataset.outcome = outcome.kind;
    entry.dataset.status = String(outcome.status);
    entry.className = `attempt attempt-${outcome.kind}`;
    entry.textContent = `Press ${number}: ${describeOutcome(outcome)}`;
    if (outcome.kind === 'created' || outcome.kind === 'replayed') showProgress(outcome.orderId);
    if (outcome.kind === 'rejected' && outcome.newKeyNeeded && orderId === undefined) {
      entry.appendChild(h('button', { type: 'button', class: 'link', 'data-testid': 'new-token', onclick: () => void fetchToken() }, 'Get a new key'));
    }
  };
  placeButton.addEventListener('click', () => void attempt());

  const element = h(
    'section',
    { class: 'page checkout', 'aria-labelledby': 'checkout-title' },
    h('h1', { id: 'checkout-title' }, 'Checkout'),
    messages.element,
  );
  if (draft.length === 0) {
    element.append(h('p', {}, 'Your cart is empty. ', h('a', { href: '#/' }, 'Back to the products')));
    return { element, dispose: () => undefined };
  }
  renderSummary(new Map());
  element.append(
    summary,
    tokenSlot,
    h('p', {}, placeButton),
    h('h2', { class: 'small-heading' }, 'What the server answered'),
    attemptList,
    progressSlot,
  );
  void fetchToken();
  listProducts()
    .then((products) => !disposed && renderSummary(new Map(products.map((p) => [p.sku, p]))))
    .catch((error: unknown) => messages.error(`Could not load product names. ${describeError(error)}`));

  return {
    element,
    dispose() {
      disposed = true;
      progress?.dispose();
    },
  };
}
