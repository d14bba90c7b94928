/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser, so this file needs the DOM types.
/**
 * Takes the README's screenshots (docs/images/shop.png, docs/images/console.png) from the whole running
 * system, with a little traffic so that the console has something to show: a few orders, a rate limit that
 * bites, and the payment breaker opening while payment is down, then closing when it is back.
 *
 *   npm run build && node -r ./scripts/ts-register.js test/browser/docs-screenshots.ts
 *
 * Not a test: it asserts nothing, it only draws. Needs Postgres, Redis and Kafka (`npm run infra:up`).
 */
import path from 'node:path';
import { Page } from 'playwright-core';
import { signIn } from '../support/sign-in';
import { startSystem } from '../support/system';
import { launchChromium } from './browser-support';

const IMAGES = path.join(__dirname, '..', '..', 'docs', 'images');
const PORT_OFFSET = 25000;

async function main(): Promise<void> {
  const system = await startSystem({ portOffset: PORT_OFFSET });
  const base = system.gatewayUrl;
  const admin = { Authorization: `Bearer ${system.secrets.adminToken}`, 'content-type': 'application/json' };
  const browser = await launchChromium();
  try {
    const orderIds: string[] = [];
    for (const customerId of ['c-7', 'c-7', 'c-12']) orderIds.push(await placeOrder(base, customerId, [{ sku: 'SKU-0002', quantity: 1 }]));

    const shop = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    await shop.goto(`${base}/#/`);
    await shop.getByTestId('customer-username').fill('c-7');
    await shop.getByTestId('customer-password').fill(process.env.DEMO_CUSTOMER_PASSWORD || 'shop-demo');
    await shop.getByTestId('customer-sign-in').click();
    await shop.getByTestId('customer').filter({ hasText: 'c-7' }).waitFor();
    await shop.getByTestId('add-SKU-0001').click();
    await shop.getByTestId('add-SKU-0003').click();
    await shop.getByTestId('add-SKU-0003').click();
    await shop.mouse.move(0, 0);
    await shop.screenshot({ path: path.join(IMAGES, 'shop.png') });

    const consolePage = await browser.newPage({ viewport: { width: 1280, height: 1800 } });
    await consolePage.goto(`${base}/#/console?order=${encodeURIComponent(orderIds[0])}`);
    await consolePage.getByTestId('operator-password').fill(system.secrets.operatorPassword);
    await consolePage.getByTestId('operator-sign-in').click();
    await consolePage.getByTestId('operator-name').waitFor();
    // A tight rate limit for a few seconds, so the chart shows rejected requests next to admitted ones.
    const policies = await (await fetch(`${base}/gateway/status`)).json();
    const original = (policies as { rateLimits: { policies: Record<string, unknown>[] } }).rateLimits.policies;
    await put(base, 'config/gateway/rate-limits', [{ name: 'api-per-ip', algorithm: 'fixed-window', match: { pathPrefix: '/api/' }, key: 'ip', limit: 8, windowMs: 1000, onRedisError: 'local' }], admin);
    for (let i = 0; i < 4; i++) {
      await burst(consolePage, '/api/products', 25);
      await sleep(1000);
    }
    await put(base, 'config/gateway/rate-limits', original.map(asConfig), admin);

    // Payment down: the gateway's breaker for it opens; payment back: half-open, then closed.
    await system.stopProcess('payment', 'SIGKILL');
    await burst(consolePage, '/api/payments/accounts/c-1', 40);
    await sleep(2000);
    await system.startProcess('payment');
    await sleep(6000);
    await burst(consolePage, '/api/payments/accounts/c-1', 10);
    await consolePage.getByTestId('saga-show').click();
    await sleep(3000);
    await consolePage.evaluate(() => window.scrollTo(0, 0));
    await consolePage.screenshot({ path: path.join(IMAGES, 'console.png') });
  } finally {
    await browser.close();
    await system.stop();
  }
}

async function placeOrder(base: string, customerId: string, items: { sku: string; quantity: number }[]): Promise<string> {
  const json = { 'content-type': 'application/json', ...(await signIn(base, customerId)).headers };
  const token = (await (await fetch(`${base}/api/orders/tokens`, { method: 'POST', headers: json, body: JSON.stringify({ customerId }) })).json()) as { token: string };
  const res = await fetch(`${base}/api/orders`, { method: 'POST', headers: { ...json, 'Idempotency-Key': token.token }, body: JSON.stringify({ customerId, items }) });
  if (res.status !== 201) throw new Error(`order: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

async function put(base: string, key: string, value: unknown, headers: Record<string, string>): Promise<void> {
  const res = await fetch(`${base}/gateway/admin/config/${key}`, { method: 'PUT', headers, body: JSON.stringify({ value }) });
  if (!res.ok) throw new Error(`PUT ${key}: ${res.status} ${await res.text()}`);
}

/** The status reports a policy with its match fields flattened; the config key takes them under `match`. */
function asConfig(p: Record<string, unknown>): Record<string, unknown> {
  const { stats: _stats, methods, pathPrefix, ...rest } = p;
  return { ...rest, match: { pathPrefix, ...(Array.isArray(methods) && methods.length ? { methods } : {}) } };
}

/** Uses the console's own Traffic control, so the burst is what a person would send. */
async function burst(page: Page, target: string, count: number): Promise<void> {
  await page.getByTestId('traffic-target').selectOption(target);
  await page.getByTestId('traffic-count').fill(String(count));
  await page.getByTestId('traffic-send').click();
  await page.getByTestId('traffic-result').filter({ hasText: `${count}/${count} answered` }).waitFor({ timeout: 60_000 });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
