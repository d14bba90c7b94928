import { describeError } from './api/http';
import { customerSession } from './api/session';
import { getAccount } from './api/shop-api';
import { consoleView } from './console/console';
import { h } from './lib/dom';
import { formatCents } from './lib/format';
import { poll } from './lib/poller';
import { ShopStore } from './lib/store';
import { AppContext, View } from './lib/view';
import { cartCount } from './shop/cart';
import { checkoutView } from './shop/checkout';
import { myOrdersView, orderPageView } from './shop/my-orders';
import { signInView } from './shop/sign-in';
import { storefrontView } from './shop/storefront';

const BALANCE_REFRESH_MS = 5000;

/** Hash routes: the gateway serves one index.html, so the page never needs a server-side route. */
interface Route {
  title: string;
  nav: string;
  view(ctx: AppContext, query: URLSearchParams): View;
}

function route(hash: string): { route: Route; query: URLSearchParams } {
  const [path, search = ''] = hash.replace(/^#/, '').split('?', 2);
  const query = new URLSearchParams(search);
  const order = /^\/orders\/(.+)$/.exec(path);
  if (order) {
    const id = decodeURIComponent(order[1]);
    return { route: { title: `Order ${id}`, nav: '#/orders', view: (ctx) => orderPageView(ctx, id) }, query };
  }
  switch (path) {
    case '/checkout':
      return { route: { title: 'Checkout', nav: '#/', view: (ctx) => checkoutView(ctx) }, query };
    case '/orders':
      return { route: { title: 'My orders', nav: '#/orders', view: (ctx) => myOrdersView(ctx) }, query };
    case '/console':
      return { route: { title: 'Operations console', nav: '#/console', view: (_ctx, q) => consoleView(q.get('order') ?? undefined) }, query };
    default:
      return { route: { title: 'Shop', nav: '#/', view: (ctx) => storefrontView(ctx) }, query };
  }
}

function start(): void {
  const store = new ShopStore(localStorage, customerSession);
  const main = document.getElementById('main');
  if (!main) throw new Error('index.html has no <main id="main">');

  const balance = h('strong', { 'data-testid': 'balance' }, '…');
  const refreshBalance = async (): Promise<void> => {
    const customerId = store.customerId;
    if (customerId === '') {
      balance.textContent = '–';
      return;
    }
    try {
      const account = await getAccount(customerId);
      if (customerId === store.customerId) {
        balance.textContent = formatCents(account.balanceCents);
        balance.removeAttribute('title');
      }
    } catch (error: unknown) {
      balance.textContent = 'unavailable';
      balance.title = describeError(error);
    }
  };
  const ctx: AppContext = { store, refreshBalance: () => void refreshBalance() };

  // Who is shopping: the signed-in customer (the gateway takes the customer from the token, never from a picker).
  const who = h('span', { 'data-testid': 'customer' });
  const signOut = h('button', { type: 'button', class: 'link-button', 'data-testid': 'sign-out', onclick: () => void customerSession.signOut() }, 'Sign out');
  const renderWho = (): void => {
    who.textContent = store.customerId === '' ? 'not signed in' : store.customerId;
    signOut.hidden = store.customerId === '';
  };
  // The cart sits beside the products (below them on a narrow screen): the header link brings it into view.
  const cartLink = h('a', {
    href: '#/',
    'data-testid': 'cart-badge',
    onclick: (e: Event) => {
      e.preventDefault();
      const reveal = (): void => {
        requestAnimationFrame(() => {
          const title = document.getElementById('cart-title');
          title?.scrollIntoView({ block: 'start' });
          title?.focus({ preventScroll: true });
        });
      };
      if (route(location.hash).route.title === 'Shop') reveal();
      else {
        // After the page's own hashchange handler has shown the shop (listeners run in order).
        window.addEventListener('hashchange', reveal, { once: true });
        location.hash = '#/';
      }
    },
  });
  const navLinks = [
    h('a', { href: '#/' }, 'Shop'),
    h('a', { href: '#/orders', 'data-testid': 'nav-orders' }, 'My orders'),
    h('a', { href: '#/console', 'data-testid': 'nav-console' }, 'Operations console'),
  ];
  document.body.prepend(
    h('a', { class: 'skip-link', href: '#main', onclick: (e: Event) => { e.preventDefault(); main.focus(); } }, 'Skip to content'),
    h(
      'header',
      { class: 'topbar' },
      h('a', { class: 'brand', href: '#/' }, 'Microshop'),
      h('nav', { 'aria-label': 'Main' }, ...navLinks),
      h(
        'div',
        { class: 'who' },
        h('span', {}, 'Customer '),
        who,
        signOut,
        h('span', { class: 'balance' }, 'Balance ', balance),
        cartLink,
      ),
    ),
  );

  const renderCartLink = (): void => {
    cartLink.textContent = `Cart (${cartCount(store.cart)})`;
  };
  let current: View | undefined;
  let currentCustomer = store.customerId;
  const show = (): void => {
    current?.dispose();
    const { route: r, query } = route(location.hash);
    // Every page of the shop is a customer's: nobody signed in, the sign-in page instead (the console has its own).
    const signedOut = store.customerId === '' && r.nav !== '#/console';
    current = signedOut ? signInView(customerSession) : r.view(ctx, query);
    main.replaceChildren(current.element);
    document.title = `${r.title} · Microshop`;
    for (const link of navLinks) {
      if (link.getAttribute('href') === r.nav) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  };
  store.subscribe(() => {
    renderCartLink();
    renderWho();
    if (store.customerId !== currentCustomer) {
      currentCustomer = store.customerId;
      void refreshBalance();
      // Pages show one customer's data (orders, the checkout's token): show them again for the new one.
      show();
    }
  });
  window.addEventListener('hashchange', () => {
    show();
    // Moves screen readers and keyboard users to the new page, as a full page load would.
    main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  });
  renderCartLink();
  renderWho();
  show();
  poll(refreshBalance, BALANCE_REFRESH_MS);
}

start();
