import { describeError } from '../api/http';
import { listProducts, Product } from '../api/shop-api';
import { h, preservingFocus, replaceChildren, whenChanged } from '../lib/dom';
import { formatCents } from '../lib/format';
import { poll } from '../lib/poller';
import { AppContext, messageSlot, View } from '../lib/view';
import { addToCart, CartLine, cartCount, cartTotalCents, setQuantity } from './cart';

const STOCK_REFRESH_MS = 3000;

/** Products with live stock, and the cart beside them. */
export function storefrontView(ctx: AppContext): View {
  const messages = messageSlot('shop-message');
  const grid = h('ul', { class: 'product-grid', 'data-testid': 'products', 'aria-busy': 'true' });
  const cartPanel = h('aside', { class: 'cart', 'aria-labelledby': 'cart-title', 'data-testid': 'cart' });
  let products = new Map<string, Product>();

  const drawProducts = whenChanged((state: { products: Product[]; cart: readonly CartLine[] }) =>
    preservingFocus(() => {
      grid.removeAttribute('aria-busy');
      replaceChildren(grid, ...state.products.map((p) => productCard(p)));
    }),
  );
  const renderProducts = (): void => drawProducts({ products: [...products.values()], cart: ctx.store.cart });

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

  // Redrawn when the cart or what it shows of its products changed, not on every stock refresh.
  const drawCart = whenChanged((state: { cart: readonly CartLine[]; shown: (Product | undefined)[] }) => preservingFocus(() => renderCartNow(state.cart)));
  const renderCart = (): void => drawCart({ cart: ctx.store.cart, shown: ctx.store.cart.map((l) => products.get(l.sku)) });
  const renderCartNow = (cart: readonly CartLine[]): void => {
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
            const input = event.target as HTMLInputElement;
            const change = setQuantity(ctx.store.cart, line.sku, Number(input.value), product?.available ?? 0);
            if (change.ok) ctx.store.setCart(change.cart);
            else {
              messages.error(change.reason);
              input.value = String(line.quantity);
            }
          },
        }),
        h('span', { class: 'line-total' }, product ? formatCents(product.priceCents * line.quantity) : '—'),
        h('button', { type: 'button', class: 'link', 'aria-label': `Remove ${product?.name ?? line.sku}`, onclick: () => ctx.store.setCart(cart.filter((l) => l.sku !== line.sku)) }, 'Remove'),
      );
    });
    replaceChildren(
      cartPanel,
      h('h2', { id: 'cart-title', tabindex: -1 }, 'Cart ', h('span', { class: 'muted', 'data-testid': 'cart-count' }, `(${cartCount(cart)})`)),
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
