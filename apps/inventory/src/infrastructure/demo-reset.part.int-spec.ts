import { randomUUID } from 'node:crypto';
import { ApiError } from '@shop/common';
import { orderCreated, sagaEvent, ThrowawayDatabase } from '@shop/testing';
import { runDemoReset } from '@shop/service-defaults';
import { StockEventsHandler } from '../application/stock-events.handler';
import { inventoryOnThrowawayDatabase } from '../testing/inventory-database';
import { InventoryDemoReset } from './demo-reset.part';
import { StockRepository } from './stock.repository';

jest.setTimeout(60_000);

const created = (orderId: string, sku: string, quantity: number) => orderCreated(orderId, sku, quantity, 1299);

/** Inventory's part of the demo reset, on real Postgres with the service's own role and the saga's real handler. */
describe("inventory's demo reset (real Postgres)", () => {
  let db: ThrowawayDatabase;
  let handler: StockEventsHandler;
  let stock: StockRepository;
  const part = new InventoryDemoReset();
  /** What a quiet shop looks like to the reset: every event published, nothing moved lately. */
  const quiet = () => db.dataSource.query(`UPDATE outbox_message SET status = 'published'; UPDATE reservations SET updated_at = now() - interval '1 minute'`);

  beforeAll(async () => {
    ({ db, stock, handler } = await inventoryOnThrowawayDatabase('it_inventory_reset'));
  });
  afterAll(() => db?.drop());

  it('is refused while stock is reserved, and changes nothing', async () => {
    const orderId = randomUUID();
    await handler.handle(created(orderId, 'SKU-0013', 2));
    await quiet();
    const refused = await runDemoReset(db.dataSource, part).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 409, code: 'sagas_in_flight', message: expect.stringMatching(/^inventory: 2 unit\(s\) reserved by 1 open reservation\(s\)/) });
    expect(await stock.findProduct('SKU-0013')).toMatchObject({ available: 1998, reserved: 2, sold: 0 });
    await handler.handle(sagaEvent('OrderCancelled', orderId, { reason: 'test' }));
  });

  it('is refused while an event waits in the outbox, or a reservation moved within the quiet time', async () => {
    await quiet();
    await db.dataSource.query(`UPDATE reservations SET updated_at = now()`);
    await expect(runDemoReset(db.dataSource, part)).rejects.toMatchObject({ message: expect.stringMatching(/reservation\(s\) changed in the last 5 s/) });
    await quiet();
    await db.dataSource.query(`UPDATE outbox_message SET status = 'pending' WHERE seq = (SELECT max(seq) FROM outbox_message)`);
    await expect(runDemoReset(db.dataSource, part)).rejects.toMatchObject({ message: expect.stringMatching(/1 outbox row\(s\) not yet published/) });
  });

  it('waits for a reservation under way and then sees it: refused, never overwriting reserved stock', async () => {
    await quiet();
    // A reservation's transaction, paused after its update and before its commit.
    const runner = db.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await runner.query(`UPDATE products SET available = available - 1, reserved = reserved + 1 WHERE sku = 'SKU-0013'`);
    const reset = runDemoReset(db.dataSource, part).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await runner.commitTransaction();
    await runner.release();
    expect(await reset).toMatchObject({ status: 409, message: expect.stringMatching(/1 unit\(s\) reserved/) });
    expect(await stock.findProduct('SKU-0013')).toMatchObject({ reserved: 1 });
    await db.dataSource.query(`UPDATE products SET available = available + 1, reserved = reserved - 1 WHERE sku = 'SKU-0013'`);
  });

  it('puts every seeded product back to its stock; a reservation arriving meanwhile waits and lands on the new baseline', async () => {
    await quiet();
    await db.dataSource.query(`UPDATE products SET available = 5, sold = 1995 WHERE sku = 'SKU-0013'`); // a sold-out demo
    let reservationDone = false;
    let reservation: Promise<void> | undefined;
    // The reset holds the products' locks for 300 ms after its update: the reservation started then must wait.
    const slowPart = {
      ...part,
      service: part.service,
      lock: part.lock,
      inFlight: part.inFlight.bind(part),
      reset: async (manager: Parameters<typeof part.reset>[0]) => {
        const done = await part.reset(manager);
        reservation = handler.handle(created(randomUUID(), 'SKU-0013', 1)).then(() => {
          reservationDone = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(reservationDone).toBe(false);
        return done;
      },
    };
    expect(await runDemoReset(db.dataSource, slowPart)).toEqual({ service: 'inventory', done: '20 products back to their seeded stock' });
    await reservation;
    expect(await stock.findProduct('SKU-0013')).toMatchObject({ available: 1999, reserved: 1, sold: 0 }); // 2000 = 1999 + 1 + 0
    expect(await stock.findProduct('SKU-0020')).toMatchObject({ available: 3, reserved: 0, sold: 0 });
  });
});
