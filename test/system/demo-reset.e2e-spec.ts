import { Client } from 'pg';
import { buildReport, checkout, runLoad } from '@shop/load';
import { Ledger } from '../../chaos/ledger';
import { launchChromium, newPage, pageErrors } from '../browser/browser-support';
import { signIn } from '../support/sign-in';
import { RunningSystem, startSystem } from '../support/system';

/**
 * The operator's demo reset on the whole system: refused while a saga is in flight, then stock and balances back
 * to their start with the orders kept, and the invariants true on the new baseline. Orders are placed by the load
 * tool's checkout scenario through the gateway (signed in when the gateway has identity).
 */
jest.setTimeout(300_000);

const POSTGRES = 'postgres://postgres@127.0.0.1:5432';
const SKU = 'SKU-0013';
// The seed's figures for them (the inventory and payment seed migrations).
const PRICE_CENTS = 1299;
const SEEDED_STOCK = 2000;
const STARTING_BALANCE_CENTS = 100_000;

describe('demo reset (POST /gateway/admin/demo/reset)', () => {
  let system: RunningSystem;
  let ledger: Ledger;
  let orders: Client;

  beforeAll(async () => {
    system = await startSystem({ portOffset: 26000 });
    ledger = await Ledger.open(POSTGRES);
    orders = new Client({ connectionString: `${POSTGRES}/orders`, statement_timeout: 10_000 });
    await orders.connect();
  });
  afterAll(async () => {
    await orders?.end();
    await ledger?.close();
    await system?.stop();
  });

  const reset = async (token: string | null = system.secrets.adminToken) => {
    const res = await fetch(`${system.gatewayUrl}/gateway/admin/demo/reset`, {
      method: 'POST',
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(40_000),
    });
    return { status: res.status, body: (await res.json()) as { ok?: boolean; error?: { code: string; message: string } } };
  };
  /** The reset succeeds once the shop is quiet (no saga in flight, nothing moved for the quiet time). */
  const resetWhenQuiet = async () => {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const r = await reset();
      if (r.status === 200 || Date.now() > deadline) return r;
      expect(r.status).toBe(409);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };
  /** One checkout as c-1 of one SKU-0013, polled until it ends or `pollTimeoutMs` passes. */
  const checkoutOnce = async (pollTimeoutMs: number) => {
    const run = await runLoad({
      baseUrl: system.gatewayUrl,
      scenario: checkout({ skus: [SKU], pollEveryMs: 200, pollTimeoutMs }),
      model: { kind: 'closed', vus: 1, durationS: 120 },
      maxIterations: 1,
      customers: 1,
      statusEveryMs: 0,
    });
    return buildReport(run, { baseUrl: system.gatewayUrl, scenario: 'checkout', model: 'one order', thresholds: [] }).summary.outcomes;
  };
  const ordersOfC1 = async () => Number((await orders.query(`SELECT count(*) FROM orders WHERE customer_id = 'c-1'`)).rows[0].count);

  it("needs an operator's sign-in (or, for machines, the admin token); a customer is refused", async () => {
    expect((await reset(null)).status).toBe(401);
    expect((await reset('not-the-token')).body.error?.code).toBe('unauthorized');
    const customer = await signIn(system.gatewayUrl, 'c-2');
    expect((await reset(customer.accessToken)).status).toBe(403);
  });

  it('is refused (409) while an order is in flight, then puts stock and balances back to their start, orders kept', async () => {
    expect((await resetWhenQuiet()).status).toBe(200);
    const start = await ledger.snapshot();
    expect(start.stock.get(SKU)).toEqual({ available: SEEDED_STOCK, reserved: 0, sold: 0 });
    expect(start.balances.get('c-1')).toBe(STARTING_BALANCE_CENTS);
    await system.stopProcess('payment'); // the order below stays PENDING with its stock reserved
    expect(await checkoutOnce(1000)).toEqual({ 'still PENDING': 1 });
    expect((await ledger.snapshot()).stock.get(SKU)!.reserved).toBe(1);

    const refused = await reset();
    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual({ code: 'sagas_in_flight', message: expect.stringMatching(/stopped at order: order: 1 order\(s\) PENDING/) });
    expect((await ledger.snapshot()).stock.get(SKU)!.reserved).toBe(1); // nothing reset

    await system.startProcess('payment'); // the order ends CONFIRMED; the shop gets quiet
    const ordersBefore = await ordersOfC1();
    expect((await resetWhenQuiet()).body).toEqual({ ok: true, steps: [expect.objectContaining({ service: 'order' }), expect.objectContaining({ service: 'inventory' }), expect.objectContaining({ service: 'payment' })] });

    const after = await ledger.snapshot();
    expect(after.stock).toEqual(start.stock); // every product: seeded stock, all available
    for (let n = 1; n <= 100; n++) expect(after.balances.get(`c-${n}`)).toBe(STARTING_BALANCE_CENTS);
    expect(await ordersOfC1()).toBe(ordersBefore);

    // The invariants on the new baseline: one order after the reset is all that sold and all that was paid.
    expect(await checkoutOnce(60_000)).toEqual({ CONFIRMED: 1 });
    const later = await ledger.snapshot();
    expect(later.stock.get(SKU)).toEqual({ available: SEEDED_STOCK - 1, reserved: 0, sold: 1 });
    expect(later.balances.get('c-1')).toBe(STARTING_BALANCE_CENTS - PRICE_CENTS);
  });

  it('from the console: the button resets the demo, and Traffic (the load engine in the browser) counts the answers', async () => {
    expect((await resetWhenQuiet()).status).toBe(200); // quiet now: nothing else runs
    const browser = await launchChromium();
    try {
      const page = await newPage(browser);
      await page.goto(`${system.gatewayUrl}/#/console`);
      await page.getByTestId('operator-password').fill(system.secrets.operatorPassword);
      await page.getByTestId('operator-sign-in').click();
      await page.getByTestId('operator-name').waitFor();
      await page.getByTestId('demo-reset').click();
      await page.getByTestId('demo-reset-result').filter({ hasText: 'Done.' }).waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('demo-reset-result').textContent()).toMatch(/inventory: 20 products back to their seeded stock; payment: 100 accounts back to 1000/);

      await page.getByTestId('traffic-target').selectOption('/api/payments/accounts/c-1'); // needs a token when identity is on
      await page.getByTestId('traffic-count').fill('25');
      await page.getByTestId('traffic-send').click();
      await page.getByTestId('traffic-result').filter({ hasText: '25/25 answered' }).waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('traffic-result').textContent()).toMatch(/— 200: 25, p99 \d+ ms$/);
      expect(pageErrors(page)).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
