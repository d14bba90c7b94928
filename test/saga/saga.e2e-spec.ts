import { SagaSystem } from './support/saga-system';
import { Shop } from './support/shop';

jest.setTimeout(300_000);

/** The order saga end to end: order -> inventory -> payment -> order, over a real Kafka, Postgres and Redis. */
describe('order saga (three services, Kafka, a database each)', () => {
  let system: SagaSystem;
  let shop: Shop;

  beforeAll(async () => {
    system = await SagaSystem.start();
    shop = new Shop(system);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('confirms an order that stock and balance cover: stock sold, customer charged once', async () => {
    const before = await shop.baseline(['c-1']);
    const placed = await shop.place('c-1', [
      { sku: 'SKU-0001', quantity: 2 },
      { sku: 'SKU-0011', quantity: 3 },
    ]);
    expect(placed).toMatchObject({ status: 'PENDING', customerId: 'c-1', reason: null, totalCents: 2 * 8900 + 3 * 499 });
    const done = await shop.settled(placed.id);
    expect(done.status).toBe('CONFIRMED');
    expect(done.history.map((h) => h.status)).toEqual(['PENDING', 'CONFIRMED']);
    expect(await shop.balance('c-1')).toBe(before.balances.get('c-1')! - placed.totalCents);
    expect((await shop.payment(placed.id)).body).toMatchObject({ status: 'CHARGED', amountCents: placed.totalCents });
    // Inventory turns the reservation into a sale when OrderConfirmed reaches it, just after the order is CONFIRMED.
    await shop.expectInvariants(before);
    const after = await shop.products();
    expect(after.get('SKU-0001')).toMatchObject({ sold: 2, reserved: 0, available: before.stock.get('SKU-0001')!.available - 2 });
  });

  it('cancels an order that stock cannot cover, and charges nothing', async () => {
    const before = await shop.baseline(['c-2']);
    const limited = before.stock.get('SKU-0020')!;
    const placed = await shop.place('c-2', [
      { sku: 'SKU-0002', quantity: 1 },
      { sku: 'SKU-0020', quantity: limited.available + 1 },
    ]);
    const done = await shop.settled(placed.id);
    expect(done).toMatchObject({ status: 'CANCELLED', reason: 'out of stock' });
    expect(await shop.balance('c-2')).toBe(before.balances.get('c-2'));
    // All or nothing: the line that was available was not held either.
    expect((await shop.products()).get('SKU-0002')).toEqual(before.stock.get('SKU-0002'));
    await shop.expectInvariants(before);
  });

  it('cancels an order the balance cannot cover, and releases its stock', async () => {
    const before = await shop.baseline(['c-3']);
    const placed = await shop.place('c-3', [{ sku: 'SKU-0010', quantity: 3 }]);
    expect(placed.totalCents).toBeGreaterThan(before.balances.get('c-3')!);
    const done = await shop.settled(placed.id);
    expect(done).toMatchObject({ status: 'CANCELLED', reason: 'insufficient funds' });
    expect((await shop.payment(placed.id)).body).toMatchObject({ status: 'FAILED', reason: 'insufficient funds' });
    // Stock was reserved (StockReserved reached payment), then released on OrderCancelled: the invariants
    // (nothing reserved, nothing sold) hold once that event arrived.
    await shop.expectInvariants(before);
    expect((await shop.products()).get('SKU-0010')).toEqual(before.stock.get('SKU-0010'));
  });

  it('fails payments on purpose through live config (config/payment/failure-rate = 1), and recovers when it is reset', async () => {
    const before = await shop.baseline(['c-4']);
    await system.setConfig('config/payment/failure-rate', 1);
    try {
      // setConfig waits until payment has the new value (pushed by the config center).
      const failed = await shop.place('c-4', [{ sku: 'SKU-0003', quantity: 1 }]);
      const done = await shop.settled(failed.id);
      expect(done.status).toBe('CANCELLED');
      expect(done.reason).toBe('payment declined (failure injection)');
    } finally {
      await system.setConfig('config/payment/failure-rate', 0);
    }
    const ok = await shop.place('c-4', [{ sku: 'SKU-0003', quantity: 1 }]);
    expect((await shop.settled(ok.id)).status).toBe('CONFIRMED');
    await shop.expectInvariants(before);
  });

  it('keeps the invariants under many concurrent orders competing for scarce stock', async () => {
    const customers = Array.from({ length: 10 }, (_, i) => `c-${20 + i}`);
    const before = await shop.baseline(customers);
    const scarce = before.stock.get('SKU-0019')!.available;
    const placed = await Promise.all(customers.flatMap((c) => [shop.place(c, [{ sku: 'SKU-0019', quantity: 1 }]), shop.place(c, [{ sku: 'SKU-0013', quantity: 2 }])]));
    const ended = await Promise.all(placed.map((o) => shop.settled(o.id)));
    const confirmedScarce = ended.filter((o) => o.items[0]!.sku === 'SKU-0019' && o.status === 'CONFIRMED').length;
    expect(confirmedScarce).toBe(Math.min(scarce, customers.length));
    await shop.expectInvariants(before);
  });
});
