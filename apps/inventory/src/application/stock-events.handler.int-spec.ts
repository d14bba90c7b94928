import { randomUUID } from 'node:crypto';
import { orderCreated, sagaEvent, ThrowawayDatabase } from '@shop/testing';
import { Topics, validatePayload } from '@shop/contracts';
import { StockRepository } from '../infrastructure/stock.repository';
import { inventoryOnThrowawayDatabase } from '../testing/inventory-database';
import { StockEventsHandler } from './stock-events.handler';

jest.setTimeout(60_000);

describe('inventory stock events (real Postgres, inventory_svc role)', () => {
  let db: ThrowawayDatabase;
  let handler: StockEventsHandler;
  let stock: StockRepository;
  const outbox = async (orderId: string) =>
    (await db.dataSource.query(`SELECT type, payload FROM outbox_message WHERE key = $1 ORDER BY seq`, [orderId])) as { type: string; payload: { reason?: string } }[];

  beforeAll(async () => {
    ({ db, stock, handler } = await inventoryOnThrowawayDatabase('it_inventory_svc'));
  });
  afterAll(() => db?.drop());

  it('seeds 20 demo products', async () => {
    expect(await stock.listProducts()).toHaveLength(20);
  });

  it("publishes the catalog for order's price list: one valid ProductPriced per product, keyed by sku, in the outbox", async () => {
    const rows = (await db.dataSource.query(`SELECT topic, key, payload FROM outbox_message WHERE type = 'ProductPriced' ORDER BY seq`)) as {
      topic: string;
      key: string;
      payload: { sku: string; priceCents: number; version: number };
    }[];
    const products = await stock.listProducts();
    expect(rows.map((r) => [r.topic, r.key, r.payload.priceCents, r.payload.version])).toEqual(products.map((p) => [Topics.inventory, p.sku, p.priceCents, 1]));
    for (const r of rows) expect(validatePayload('ProductPriced', r.payload)).toEqual([]);
  });

  it('never oversells: 30 concurrent orders for a sku with 3 in stock reserve exactly 3', async () => {
    const orders = Array.from({ length: 30 }, () => randomUUID());
    await Promise.all(orders.map((id) => handler.handle(orderCreated(id, 'SKU-0020', 1))));
    expect(await stock.findProduct('SKU-0020')).toMatchObject({ available: 0, reserved: 3, sold: 0 });
    const answers = (await Promise.all(orders.map(outbox))).map((rows) => rows.map((r) => r.type).join());
    expect(answers.filter((a) => a === 'StockReserved')).toHaveLength(3);
    expect(answers.filter((a) => a === 'StockRejected')).toHaveLength(27);
  });

  it('reserves all lines or none', async () => {
    const orderId = randomUUID();
    const before = await stock.findProduct('SKU-0001');
    await handler.handle(
      sagaEvent('OrderCreated', orderId, {
        customerId: 'c-1',
        items: [{ sku: 'SKU-0001', quantity: 1, priceCents: 8900 }, { sku: 'SKU-0019', quantity: 11, priceCents: 4900 }],
        totalCents: 8900 + 11 * 4900,
      }),
    );
    expect(await stock.findProduct('SKU-0001')).toEqual(before);
    expect(await outbox(orderId)).toEqual([{ type: 'StockRejected', payload: { reason: 'out of stock', sku: 'SKU-0019' } }]);
  });

  it('a redelivered OrderCreated reserves nothing more', async () => {
    const orderId = randomUUID();
    const first = orderCreated(orderId, 'SKU-0002', 4);
    expect(await handler.handle(first)).toBe('applied');
    expect(await handler.handle(first)).toBe('duplicate');
    expect((await stock.findProduct('SKU-0002'))!.reserved).toBe(4);
    expect((await outbox(orderId)).map((r) => r.type)).toEqual(['StockReserved']);
  });

  it('releases a reservation once, whatever number of OrderCancelled arrive; confirms into sold', async () => {
    const cancelled = randomUUID();
    const confirmed = randomUUID();
    const before = (await stock.findProduct('SKU-0003'))!;
    await handler.handle(orderCreated(cancelled, 'SKU-0003', 5));
    await handler.handle(orderCreated(confirmed, 'SKU-0003', 2));
    const cancel = { reason: 'timeout', customerId: 'c-1', items: [{ sku: 'SKU-0003', quantity: 5 }] };
    await handler.handle(sagaEvent('OrderCancelled', cancelled, cancel));
    await handler.handle(sagaEvent('OrderCancelled', cancelled, cancel));
    await handler.handle(sagaEvent('OrderConfirmed', confirmed, { customerId: 'c-1', items: [{ sku: 'SKU-0003', quantity: 2 }], totalCents: 200 }));
    expect(await stock.findProduct('SKU-0003')).toMatchObject({ available: before.available - 2, reserved: 0, sold: 2 });
  });

  it('a cancellation that overtakes its OrderCreated leaves a tombstone: the late OrderCreated reserves nothing', async () => {
    const orderId = randomUUID();
    const before = await stock.findProduct('SKU-0004');
    await handler.handle(sagaEvent('OrderCancelled', orderId, { reason: 'timeout', customerId: 'c-1', items: [{ sku: 'SKU-0004', quantity: 1 }] }));
    await handler.handle(orderCreated(orderId, 'SKU-0004', 1));
    expect(await stock.findProduct('SKU-0004')).toEqual(before);
    expect(await outbox(orderId)).toEqual([]);
  });

  it('refuses to sell a reservation that was released (and writes nothing)', async () => {
    const orderId = randomUUID();
    await handler.handle(orderCreated(orderId, 'SKU-0005', 1));
    await handler.handle(sagaEvent('OrderCancelled', orderId, { reason: 'timeout', customerId: 'c-1', items: [{ sku: 'SKU-0005', quantity: 1 }] }));
    const before = await stock.findProduct('SKU-0005');
    const confirm = sagaEvent('OrderConfirmed', orderId, { customerId: 'c-1', items: [{ sku: 'SKU-0005', quantity: 1 }], totalCents: 100 });
    await expect(handler.handle(confirm)).rejects.toThrow(/RELEASED -> SOLD/);
    expect(await stock.findProduct('SKU-0005')).toEqual(before);
    // The failed event left no inbox record: its redelivery is handled again (and fails again, visibly).
    expect(await db.dataSource.query(`SELECT 1 FROM inbox_message WHERE event_id = $1`, [confirm.id])).toEqual([]);
  });
});
