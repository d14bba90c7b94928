import { describeError } from '../api/http';
import { listProducts, Product } from '../api/shop-api';
import { h, preservingFocus, replaceChildren } from '../lib/dom';
import { formatCents } from '../lib/format';
import { poll } from '../lib/poller';
import { AppContext, messageSlot, View } from '../lib/view';
import { addToCart, cartCount, cartTotalCents, setQuantity } from './cart';

const STOCK_REFRESH_MS = 3000;

/** Products with live stock, and the cart beside them. */
export function storefrontView(ctx: AppContext): View {
  const messages = messageSlot('shop-message');
  const grid = h('ul', { class: 'product-grid', 'data-testid': 'products', 'aria-busy': 'true' });
  const cartPanel = h('aside', { class: 'cart', 'aria-labelledby': 'cart-title', 'data-testid': 'cart' });
  let products = new Map<string, Product>();

  const renderProducts = (): void =>
    preservingFocus(() => {
      grid.removeAttribute('aria-busy');
      replaceChildren(grid, ...[...products.values()].map((p) => productCard(p)));
    });

  const productCard = (p: Product): HTMLElement => {
    const inCart = ctx.store.cart.find((l) => l.sku === p.sku)?.quantity ?? 0;
    return h(
      'li',
      { class: 'product', 'data-testid': `product-${p.sku}` },
      h('h3', {}, p.name),
      h('p', { class: 'sku' }, p.sku),
      h('p', { class: 'price' }, formatCents(p.priceCents)),
      h(
        'p',
        { class: p.available > 0 ? 'stock' : 'stock stock-out' },
        h('span', { 'data-testid': `stock-${p.sku}` }, String(p.available)),
        ' in stock',
        h('span', { class: 'muted' }, ` · ${p.reserved} reserved · ${p.sold} sold`),
      ),
      h(
        'button',
        {
          type: 'button',
          'data-testid': `add-${p.sku}`,
          disabled: p.available <= inCart,
          'aria-label': `Add ${p.name} to cart`,
          onclick: () => {
            const change = addToCart(ctx.store.cart, p.sku, p.available);
            if (change.ok) ctx.store.setCart(change.cart);
            else messages.error(change.reason);
          },
        },
        p.available > 0 ? 'Add to cart' : 'Sold out',
      ),
    );
  };

  const renderCart = (): void => preservingFocus(() => renderCartNow());
  const renderCartNow = (): void => {
    const cart = ctx.store.cart;
    const priceOf = (sku: string): number | undefined => products.get(sku)?.priceCents;
    const lines = cart.map((line) => {
      const product = products.get(line.sku);
      const inputId = `qty-${line.sku}`;
      return h(
        'li',
        { class: 'cart-line', 'data-testid': `cart-line-${line.sku}` },
        h('label', { for: inputId }, product?.name ?? line.sku),
        h('input', {
          id: inputId,
          type: 'number',
          min: 0,
          max: 100,
          value: line.quantity,
          inputmode: 'numeric',
          'data-testid': `qty-${line.sku}`,
          onchange: (event: Event) => {
            const quantity = Number((event.target as HTMLInputElement).value);
            const change = setQuantity(ctx.store.cart, line.sku, quantity, product?.available ?? 0);
            if (change.ok) ctx.store.setCart(change.cart);
            else {
              messages.error(change.reason);
              renderCart();
            }
          },
        }),
        h('span', { class: 'line-total' }, product ? formatCents(product.priceCents * line.quantity) : '—'),
        h('button', { type: 'button', class: 'link', 'aria-label': `Remove ${product?.name ?? line.sku}`, onclick: () => ctx.store.setCart(cart.filter((l) => l.sku !== line.sku)) }, 'Remove'),
      );
    });
    replaceChildren(
      cartPanel,
      h('h2', { id: 'cart-title' }, 'Cart ', h('span', { class: 'muted', 'data-testid': 'cart-count' }, `(${cartCount(cart)})`)),
      cart.length === 0 ? h('p', { class: 'muted' }, 'Your cart is empty.') : h('ul', { class: 'cart-lines' }, ...lines),
      h('p', { class: 'cart-total' }, 'Total ', h('strong', { 'data-testid': 'cart-total' }, formatCents(cartTotalCents(cart, priceOf)))),
      cart.length === 0
        ? h('span', { class: 'button disabled', 'aria-disabled': 'true' }, 'Checkout')
        : h('a', { class: 'button primary', href: '#/checkout', 'data-testid': 'checkout-link' }, 'Checkout'),
    );
  };

  const stopPolling = poll(async () => {
    try {
      products = new Map((await listProducts()).map((p) => [p.sku, p]));
      messages.clear();
      renderProducts();
      renderCart();
    } catch (error: unknown) {
      messages.error(`Could not load products. ${describeError(error)}`);
    }
  }, STOCK_REFRESH_MS);
  const unsubscribe = ctx.store.subscribe(() => {
    renderProducts();
    renderCart();
  });
  renderCart();

  const element = h(
    'section',
    { class: 'page shop', 'aria-labelledby': 'shop-title' },
    h('h1', { id: 'shop-title' }, 'Products'),
    messages.element,
    h('div', { class: 'shop-layout' }, grid, cartPanel),
  );
  return {
    element,
    dispose() {
      stopPolling();
      unsubscribe();
    },
  };
}
