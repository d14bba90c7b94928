/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser, so this file needs the DOM types.
import { Browser, Page } from 'playwright-core';
import { DEMO_CUSTOMER_PASSWORD } from '../support/sign-in';
import { RunningSystem, startSystem } from '../support/system';
import { launchChromium, newPage, pageErrors, screenshot, ShopApi } from './browser-support';

/**
 * The shop and the operations console in a real browser (Debian's chromium), against the whole running
 * system (test/support: registry x3, order x2, inventory, payment, gateway serving the built UI): what a
 * person does, checked through the API as well as on the page.
 */
/** Ports shifted away from a running `npm run stack` and from the other end-to-end suites. */
const PORT_OFFSET = 24000;
const SAGA_TIMEOUT_MS = 60_000;

jest.setTimeout(180_000);

let system: RunningSystem;
let GATEWAY_URL: string;
let OPERATOR_PASSWORD: string;
let api: ShopApi;
let browser: Browser;

/** A customer per test, so that counts of "my orders" are not disturbed by the other tests of this file. */
const customers = shuffled(Array.from({ length: 100 }, (_, i) => `c-${i + 1}`));

beforeAll(async () => {
  system = await startSystem({ portOffset: PORT_OFFSET });
  GATEWAY_URL = system.gatewayUrl;
  OPERATOR_PASSWORD = system.secrets.operatorPassword;
  api = new ShopApi(GATEWAY_URL);
  await waitForShop();
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  // The system's registry lives in a temporary directory: the config changed here goes with it.
  await browser?.close();
  await system?.stop();
}, 60_000);

describe('the shop in a browser', () => {
  it('asks to sign in, then orders as the signed-in customer, and signs out', async () => {
    const customer = customers.pop() as string;
    const sku = await cheapestInStock();
    const page = await newPage(browser);
    await page.goto(`${GATEWAY_URL}/#/orders`);
    await page.getByTestId('customer-sign-in-form').waitFor();
    await page.getByTestId('customer-username').fill(customer);
    await page.getByTestId('customer-password').fill('not-the-password');
    await page.getByTestId('customer-sign-in').click();
    const refusal = page.getByTestId('customer-sign-in-message').getByRole('alert');
    await refusal.waitFor();
    await expect(refusal.innerText()).resolves.toMatch(/wrong user name or password/);
    await screenshot(page, 'sign-in-refused');
    await page.getByTestId('customer-password').fill(DEMO_CUSTOMER_PASSWORD);
    await page.getByTestId('customer-sign-in').click();
    await page.getByTestId('customer').filter({ hasText: customer }).waitFor();

    await page.goto(`${GATEWAY_URL}/#/`);
    await addToCartAndCheckout(page, sku);
    await page.getByTestId('place-order').click();
    await finalStatus(page);
    const orderId = await page.getByTestId('order-id').first().innerText();
    expect((await api.orders(customer)).some((o) => o.id === orderId)).toBe(true);
    const session = await page.evaluate(() => JSON.parse(sessionStorage.getItem('shop.session') ?? 'null') as { refreshToken: string } | null);
    expect(session?.refreshToken).toEqual(expect.any(String));

    await page.getByTestId('sign-out').click();
    await page.getByTestId('customer-sign-in-form').waitFor();
    await screenshot(page, 'signed-out');
    await expect(page.evaluate(() => sessionStorage.getItem('shop.session'))).resolves.toBeNull();
    // Signing out revoked the session's refresh token at identity.
    const refreshed = await fetch(`${GATEWAY_URL}/api/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: session!.refreshToken }) });
    expect(refreshed.status).toBe(401);
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  it('places an order and shows it go from PENDING to CONFIRMED', async () => {
    const customer = customers.pop() as string;
    const sku = await cheapestInStock();
    const page = await newPage(browser);
    await openShopAs(page, customer);
    await addToCartAndCheckout(page, sku);

    await page.getByTestId('place-order').click();
    const status = await finalStatus(page);
    await screenshot(page, 'order-confirmed');

    expect(status).toBe('CONFIRMED');
    const orderId = await page.getByTestId('order-id').first().innerText();
    expect((await api.orders(customer)).find((o) => o.id === orderId)?.status).toBe('CONFIRMED');
    await expect(page.getByTestId('order-history').locator('li').count()).resolves.toBeGreaterThanOrEqual(2);
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  it('makes exactly one order from a double click on "Place order", and says so', async () => {
    const customer = customers.pop() as string;
    const sku = await cheapestInStock();
    const page = await newPage(browser);
    await openShopAs(page, customer);
    const before = await api.orders(customer);
    await addToCartAndCheckout(page, sku);
    const token = await page.getByTestId('idempotency-token').innerText();

    await page.getByTestId('place-order').dblclick();
    // Both presses have been answered when no attempt is still "sending".
    await page.locator('[data-testid="attempt"]:not([data-outcome="sending"])').nth(1).waitFor({ timeout: 30_000 });
    const attempts = page.getByTestId('attempt');
    const outcomes = await Promise.all([0, 1].map((i) => attempts.nth(i).getAttribute('data-outcome')));
    await finalStatus(page);
    await screenshot(page, 'double-click');

    // One press made the order; the other was refused while in flight (409) or got the first answer replayed.
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'in-flight' || o === 'replayed')).toHaveLength(1);
    await expect(page.getByTestId('idempotency-token').innerText()).resolves.toBe(token);
    const after = await api.orders(customer);
    const made = after.filter((o) => !before.some((b) => b.id === o.id));
    expect(made).toHaveLength(1);
    await expect(page.getByTestId('order-id').first().innerText()).resolves.toBe(made[0].id);
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  it('cancels the next order when the console makes payment fail, and gives its stock back', async () => {
    const customer = customers.pop() as string;
    const sku = await cheapestInStock();
    const consolePage = await newPage(browser);
    await consolePage.goto(`${GATEWAY_URL}/#/console`);
    await consolePage.getByTestId('operator-password').fill(OPERATOR_PASSWORD);
    await consolePage.getByTestId('operator-sign-in').click();
    await consolePage.getByTestId('operator-name').waitFor();
    await setFailureRate(consolePage, 100);
    await screenshot(consolePage, 'console-failure-100');

    try {
      const stockBefore = await api.stockOf(sku);
      const page = await newPage(browser);
      await openShopAs(page, customer);
      await addToCartAndCheckout(page, sku);
      await page.getByTestId('place-order').click();
      const status = await finalStatus(page);
      await screenshot(page, 'order-cancelled');

      expect(status).toBe('CANCELLED');
      await expect(page.getByTestId('order-reason').innerText()).resolves.toMatch(/\S/);
      // Releasing the reservation follows the cancellation (OrderCancelled -> inventory), so wait for it.
      const stockAfter = await eventually(() => api.stockOf(sku), (s) => s.available === stockBefore.available && s.reserved === stockBefore.reserved);
      expect(stockAfter).toEqual(stockBefore);

      const orderId = await page.getByTestId('order-id').first().innerText();
      await consolePage.goto(`${GATEWAY_URL}/#/console?order=${encodeURIComponent(orderId)}`);
      await consolePage.locator('[data-testid="saga-event"][data-type="PaymentFailed"]').first().waitFor({ timeout: 30_000 });
      await screenshot(consolePage, 'console-saga-cancelled');
      expect(pageErrors(page)).toEqual([]);
      await page.close();
    } finally {
      await setFailureRate(consolePage, 0);
    }
    expect(pageErrors(consolePage)).toEqual([]);
    await consolePage.close();
  });

  it('shows the registry cluster with exactly one leader, the breakers and the rate limit policies', async () => {
    const page = await newPage(browser);
    await page.goto(`${GATEWAY_URL}/#/console`);
    await page.locator('[data-testid^="cluster-node-"]').nth(2).waitFor({ timeout: 30_000 });
    await page.locator('[data-testid^="breaker-"][data-state]').first().waitFor({ timeout: 30_000 });
    await page.locator('[data-testid^="policy-"]').first().waitFor({ timeout: 30_000 });
    await page.getByTestId('breaker-timeline').waitFor({ timeout: 30_000 });
    await screenshot(page, 'console');

    const roles = await page.locator('[data-testid^="cluster-node-"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-role')));
    expect(roles).toHaveLength(3);
    expect(roles.filter((r) => r === 'leader')).toHaveLength(1);
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });
});

async function waitForShop(): Promise<void> {
  await eventually(
    () => api.products().then((p) => p.length, () => 0),
    (n) => n > 0,
    120_000,
  );
}

async function cheapestInStock(): Promise<string> {
  const products = (await api.products()).filter((p) => p.available >= 5).sort((a, b) => a.priceCents - b.priceCents);
  if (products.length === 0) throw new Error('no product has stock left');
  return products[0].sku;
}

/** Opens the shop and signs in as `customer` through the sign-in page. */
async function openShopAs(page: Page, customer: string): Promise<void> {
  await page.goto(`${GATEWAY_URL}/#/`);
  await page.getByTestId('customer-username').fill(customer);
  await page.getByTestId('customer-password').fill(DEMO_CUSTOMER_PASSWORD);
  await page.getByTestId('customer-sign-in').click();
  await page.getByTestId('customer').filter({ hasText: customer }).waitFor();
}

async function addToCartAndCheckout(page: Page, sku: string): Promise<void> {
  await page.getByTestId(`add-${sku}`).click();
  await page.getByTestId('checkout-link').click();
  // The checkout asks for its idempotency key when it opens; "Place order" is enabled once it has one.
  await page.getByTestId('idempotency-token').waitFor({ timeout: 30_000 });
}

async function finalStatus(page: Page): Promise<string> {
  const badge = page.getByTestId('order-status').filter({ hasText: /^(CONFIRMED|CANCELLED)$/ });
  await badge.first().waitFor({ timeout: SAGA_TIMEOUT_MS });
  return badge.first().innerText();
}

/** Sets payment's failure rate in the console, then waits until the payment service has seen that version. */
async function setFailureRate(consolePage: Page, percent: number): Promise<void> {
  await consolePage.getByTestId(`failure-rate-preset-${percent}`).click();
  const result = consolePage.getByTestId('failure-rate-result');
  await result.filter({ hasText: /written|Could not/ }).waitFor({ timeout: 15_000 });
  await expect(result.innerText()).resolves.toContain('written');
  const version = Number(await result.getAttribute('data-mod-index'));
  expect(version).toBeGreaterThan(0);
  const seen = await eventually(() => paymentSawFailureRateVersion(), (v) => v >= version, 15_000);
  expect(seen).toBeGreaterThanOrEqual(version);
}

/** The payment service's registry client reports, in its /health, the version of each config key it saw. */
async function paymentSawFailureRateVersion(): Promise<number> {
  const res = await fetch(`${system.url('payment')}/health`, { signal: AbortSignal.timeout(5000) });
  const health = (await res.json()) as { details?: Record<string, { configs?: Record<string, number> }> };
  const versions = Object.values(health.details ?? {}).map((d) => d.configs?.['config/payment/failure-rate'] ?? 0);
  return Math.max(0, ...versions);
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(250);
    value = await read();
  }
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
