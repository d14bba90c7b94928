import { HttpAnswer } from '@shop/testing';
import { SagaSystem } from './support/saga-system';
import { OrderView, Shop } from './support/shop';

jest.setTimeout(600_000);

/** How long inventory stays down while customers keep using the shop. */
const OUTAGE_MS = 10_000;

/**
 * Basically available (BASE): while inventory is down, the order service keeps serving every route it owns.
 * Placing an order prices it from order's own price list (fed by inventory's events), so nothing waits for
 * inventory but the saga, which completes once inventory is back. The saga timeout stays at its default.
 */
describe('availability: inventory down', () => {
  let system: SagaSystem;
  let shop: Shop;

  beforeAll(async () => {
    system = await SagaSystem.start();
    shop = new Shop(system);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('tokens, order reads and order placement all succeed while inventory is down; the orders complete once it is back', async () => {
    const customers = ['c-70', 'c-71', 'c-72', 'c-73', 'c-74'];
    const before = await shop.baseline(customers);
    const failures: string[] = [];
    const expectOk = (what: string, res: HttpAnswer, status: number): HttpAnswer => {
      if (res.status !== status) failures.push(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
      return res;
    };

    // A crash: inventory stays registered until its lease expires, and its consumer's partitions wait.
    await system.stopProcess('inventory', 'SIGKILL');
    const placed: OrderView[] = [];
    // Every order must be one that stock and balances cover, however fast the machine places them.
    const orderTotal = before.stock.get('SKU-0013')!.priceCents + 2 * before.stock.get('SKU-0017')!.priceCents;
    const perCustomer = Math.floor(Math.min(...before.balances.values()) / orderTotal);
    const byStock = Math.min(before.stock.get('SKU-0013')!.available, Math.floor(before.stock.get('SKU-0017')!.available / 2));
    const maxOrders = Math.min(200, perCustomer * customers.length, byStock);
    const until = Date.now() + OUTAGE_MS;
    for (let i = 0; Date.now() < until && i < maxOrders; i++) {
      const customerId = customers[i % customers.length]!;
      const replica = shop.orderReplica();
      const token = expectOk('POST /orders/tokens', await system.call(replica, 'POST', '/orders/tokens', { body: { customerId } }), 201);
      if (token.status !== 201) continue;
      const order = expectOk(
        'POST /orders',
        await shop.submit(token.body.token as string, { customerId, items: [{ sku: 'SKU-0013', quantity: 1 }, { sku: 'SKU-0017', quantity: 2 }] }),
        201,
      );
      if (order.status !== 201) continue;
      placed.push(order.body as OrderView);
      expectOk('GET /orders/:id', await system.call(shop.orderReplica(), 'GET', `/orders/${order.body.id}`), 200);
      expectOk('GET /orders?customerId=', await system.call(shop.orderReplica(), 'GET', `/orders?customerId=${customerId}`), 200);
      expectOk('GET /payments/accounts/:id', await system.call('payment', 'GET', `/payments/accounts/${customerId}`), 200);
    }
    expect(failures).toEqual([]);
    expect(placed.length).toBeGreaterThanOrEqual(5);
    // Priced from order's own list: the catalog's prices, with no call to inventory.
    for (const o of placed) {
      expect({ status: o.status, items: o.items, totalCents: o.totalCents }).toEqual({
        status: 'PENDING',
        items: [
          { sku: 'SKU-0013', quantity: 1, priceCents: before.stock.get('SKU-0013')!.priceCents },
          { sku: 'SKU-0017', quantity: 2, priceCents: before.stock.get('SKU-0017')!.priceCents },
        ],
        totalCents: before.stock.get('SKU-0013')!.priceCents + 2 * before.stock.get('SKU-0017')!.priceCents,
      });
    }

    await system.startProcess('inventory');
    const orders = await shop.expectInvariants(before, 180_000);
    expect(orders.map((o) => o.id).sort()).toEqual(placed.map((o) => o.id).sort());
    expect(orders.filter((o) => o.status !== 'CONFIRMED').map((o) => `${o.id} ${o.status} ${o.reason}`)).toEqual([]);
  });
});
