import { randomUUID } from 'node:crypto';
import { createThrowawayDatabase, ThrowawayDatabase } from '@shop/testing';
import { SagaEvent } from '@shop/contracts';
import { OUTBOX_ENTITIES, OUTBOX_MIGRATIONS, UnitOfWork } from '@shop/outbox';
import type { LiveConfig } from '@shop/registry-client';
import { DataSource } from 'typeorm';
import { Order } from '../domain/order';
import { OrdersSchema1764201000000 } from '../infrastructure/migrations/1764201000000-orders-schema.migration';
import { SeedCustomers1764201000001 } from '../infrastructure/migrations/1764201000001-seed-customers.migration';
import { CustomerEntity, OrderEntity } from '../infrastructure/order.entity';
import { OrderRepository } from '../infrastructure/order.repository';
import type { OrderConfig } from '../order.config';
import { OrderSagaHandler } from './order-saga.handler';
import { DuplicateIdempotencyKeyError } from './order-store.port';
import { SagaTimeoutSweeper } from './saga-timeout.sweeper';

jest.setTimeout(60_000);

const fixed = <T>(value: T): LiveConfig<T> => ({ get: () => value, onChange: () => () => undefined });
const event = (type: string, orderId: string, payload: object): SagaEvent =>
  ({ id: randomUUID(), type, aggregateId: orderId, occurredAt: new Date().toISOString(), payload }) as SagaEvent;
const newOrder = (key = randomUUID(), customerId = 'c-1') =>
  Order.place({ id: randomUUID(), customerId, items: [{ sku: 'SKU-0001', quantity: 1, priceCents: 100 }], idempotencyKey: key, requestHash: 'h', now: new Date() });

/** The order service's side of the saga against its real database (order_svc role, migrations as at start-up). */
describe('order saga persistence (real Postgres)', () => {
  let db: ThrowawayDatabase;
  let replicaB: DataSource;
  let repo: OrderRepository;
  let uow: UnitOfWork;
  let saga: OrderSagaHandler;
  const insert = (order: Order) => uow.run(({ manager }) => repo.insert(manager, order));
  const outboxTypes = async (orderId: string) =>
    ((await db.dataSource.query(`SELECT type FROM outbox_message WHERE key = $1 ORDER BY seq`, [orderId])) as { type: string }[]).map((r) => r.type);
  const sweeper = (ds: DataSource, timeoutMs: number) => {
    const r = new OrderRepository(ds);
    const u = new UnitOfWork(ds, { serviceName: 'order' });
    return new SagaTimeoutSweeper(r, new OrderSagaHandler(r, u), u, fixed(timeoutMs), { sweepIntervalMs: 1000 } as OrderConfig);
  };

  beforeAll(async () => {
    db = await createThrowawayDatabase({
      prefix: 'it_order_svc',
      owner: { role: 'order_svc', password: 'order_pw' },
      entities: [OrderEntity, CustomerEntity, ...OUTBOX_ENTITIES],
      migrations: [...OUTBOX_MIGRATIONS, OrdersSchema1764201000000, SeedCustomers1764201000001],
    });
    replicaB = await db.connect();
    repo = new OrderRepository(db.dataSource);
    uow = new UnitOfWork(db.dataSource, { serviceName: 'order' });
    saga = new OrderSagaHandler(repo, uow);
  });
  afterAll(() => db?.drop());

  it('knows the demo customers c-1 .. c-100', async () => {
    expect(await repo.customerExists('c-1')).toBe(true);
    expect(await repo.customerExists('c-100')).toBe(true);
    expect(await repo.customerExists('c-101')).toBe(false);
  });

  it('refuses a second order with the same idempotency key (the unique index, second line of defence)', async () => {
    const key = randomUUID();
    await insert(newOrder(key));
    await expect(insert(newOrder(key))).rejects.toThrow(DuplicateIdempotencyKeyError);
    expect(await db.dataSource.query(`SELECT count(*)::int AS n FROM orders WHERE idempotency_key = $1`, [key])).toEqual([{ n: 1 }]);
  });

  it('confirms on PaymentSucceeded and emits OrderConfirmed once, even when the event is redelivered', async () => {
    const order = newOrder();
    await insert(order);
    const succeeded = event('PaymentSucceeded', order.id, { customerId: 'c-1', amountCents: 100, paymentId: randomUUID() });
    expect(await saga.handle(succeeded)).toBe('applied');
    expect(await saga.handle(succeeded)).toBe('duplicate');
    expect((await repo.findById(order.id))!.status).toBe('CONFIRMED');
    expect(await outboxTypes(order.id)).toEqual(['OrderConfirmed']);
  });

  it('a PaymentSucceeded after the order was cancelled leaves it CANCELLED and emits nothing more', async () => {
    const order = newOrder();
    await insert(order);
    await saga.handle(event('StockRejected', order.id, { reason: 'out of stock', sku: 'SKU-0001' }));
    await saga.handle(event('PaymentSucceeded', order.id, { customerId: 'c-1', amountCents: 100, paymentId: randomUUID() }));
    expect((await repo.findById(order.id))!.snapshot()).toMatchObject({ status: 'CANCELLED', reason: 'out of stock' });
    expect(await outboxTypes(order.id)).toEqual(['OrderCancelled']);
  });

  it('two replicas sweeping at once cancel each timed-out order exactly once (FOR UPDATE SKIP LOCKED)', async () => {
    const stale = Array.from({ length: 30 }, () => newOrder());
    for (const o of stale) await insert(o);
    await db.dataSource.query(`UPDATE orders SET created_at = now() - interval '1 hour' WHERE id = ANY($1)`, [stale.map((o) => o.id)]);
    const fresh = newOrder();
    await insert(fresh);
    const [a, b] = await Promise.all([sweeper(db.dataSource, 60_000).sweepOnce(), sweeper(replicaB, 60_000).sweepOnce()]);
    const again = await sweeper(db.dataSource, 60_000).sweepOnce();
    expect(a + b + again).toBe(30);
    for (const o of stale) {
      expect((await repo.findById(o.id))!.snapshot()).toMatchObject({ status: 'CANCELLED', reason: 'timeout' });
      expect(await outboxTypes(o.id)).toEqual(['OrderCancelled']);
    }
    expect((await repo.findById(fresh.id))!.status).toBe('PENDING');
  });
});
