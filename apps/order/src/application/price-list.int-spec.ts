import { randomUUID } from 'node:crypto';
import { ApplicationError, httpAnswerOf } from '@shop/common';
import { createThrowawayDatabase, ThrowawayDatabase } from '@shop/testing';
import { ProductPricedPayload, SagaEventOf } from '@shop/contracts';
import { DEFAULT_IDEMPOTENCY_OPTIONS, IdempotencyTokenStore } from '@shop/idempotency';
import { OUTBOX_ENTITIES, OUTBOX_MIGRATIONS, UnitOfWork } from '@shop/outbox';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { OrdersSchema1764201000000 } from '../infrastructure/migrations/1764201000000-orders-schema.migration';
import { SeedCustomers1764201000001 } from '../infrastructure/migrations/1764201000001-seed-customers.migration';
import { PriceList1764201000002 } from '../infrastructure/migrations/1764201000002-price-list.migration';
import { CustomerEntity, OrderEntity } from '../infrastructure/order.entity';
import { KnownCustomersCache } from '../infrastructure/known-customers.cache';
import { OrderRepository } from '../infrastructure/order.repository';
import { PriceListRepository } from '../infrastructure/price-list.repository';
import { PriceListLoading } from './order.errors';
import { PlaceOrderHandler } from './place-order.handler';
import { PriceListProjection } from './price-list.projection';

jest.setTimeout(60_000);

/** The HTTP answer a refusal of the application gets at the API edge. */
const answerTo = (refusal: unknown) => (refusal instanceof ApplicationError ? httpAnswerOf(refusal) : refusal);

const priced = (payload: ProductPricedPayload): SagaEventOf<'ProductPriced'> => ({
  id: randomUUID(),
  type: 'ProductPriced',
  aggregateId: payload.sku,
  occurredAt: new Date().toISOString(),
  payload,
});
const newSku = () => `SKU-T${randomUUID().slice(0, 8).toUpperCase()}`;

/** Order's price list (a read model of inventory's catalog) and placing an order from it, on the real database. */
describe('price list (real Postgres and Redis)', () => {
  let db: ThrowawayDatabase;
  let replicaB: DataSource;
  let redis: Redis;
  let prices: PriceListRepository;
  let projection: PriceListProjection;
  let placeOrder: PlaceOrderHandler;
  const priceOf = async (sku: string) =>
    ((await db.dataSource.query(`SELECT price_cents::int AS "priceCents", version::int AS version FROM product_prices WHERE sku = $1`, [sku])) as {
      priceCents: number;
      version: number;
    }[])[0];
  const orderRows = async () => ((await db.dataSource.query(`SELECT count(*)::int AS n FROM orders`)) as { n: number }[])[0]!.n;

  beforeAll(async () => {
    db = await createThrowawayDatabase({
      prefix: 'it_order_prices',
      owner: { role: 'order_svc', password: 'order_pw' },
      entities: [OrderEntity, CustomerEntity, ...OUTBOX_ENTITIES],
      migrations: [...OUTBOX_MIGRATIONS, OrdersSchema1764201000000, SeedCustomers1764201000001, PriceList1764201000002],
    });
    replicaB = await db.connect();
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1, connectTimeout: 2000 });
    prices = new PriceListRepository(db.dataSource);
    projection = new PriceListProjection(prices);
    const tokens = new IdempotencyTokenStore(redis, DEFAULT_IDEMPOTENCY_OPTIONS);
    const orderRepository = new OrderRepository(db.dataSource);
    placeOrder = new PlaceOrderHandler(tokens, orderRepository, prices, new KnownCustomersCache(orderRepository), new UnitOfWork(db.dataSource, { serviceName: 'order' }));
  });
  afterAll(async () => {
    await redis?.quit();
    await db?.drop();
  });

  it('takes a new sku, then only newer versions: a redelivery or an overtaken older event changes nothing', async () => {
    const sku = newSku();
    const v2 = priced({ sku, name: 'Lamp', priceCents: 2500, version: 2 });
    expect(await projection.apply(v2)).toBe('applied');
    expect(await projection.apply(v2)).toBe('duplicate');
    expect(await projection.apply(priced({ sku, name: 'Lamp', priceCents: 1900, version: 1 }))).toBe('duplicate');
    expect(await priceOf(sku)).toEqual({ priceCents: 2500, version: 2 });
    expect(await projection.apply(priced({ sku, name: 'Lamp', priceCents: 2700, version: 3 }))).toBe('applied');
    expect(await priceOf(sku)).toEqual({ priceCents: 2700, version: 3 });
  });

  it('keeps the newest price whatever order the events arrive in, with two replicas applying at once', async () => {
    const sku = newSku();
    const versions = Array.from({ length: 30 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
    const projectionB = new PriceListProjection(new PriceListRepository(replicaB));
    await Promise.all(
      versions.map((version, i) => (i % 2 === 0 ? projection : projectionB).apply(priced({ sku, name: 'Mug', priceCents: version * 100, version }))),
    );
    expect(await priceOf(sku)).toEqual({ priceCents: 3000, version: 30 });
  });

  it('prices an order from the list; an empty list (catalog not yet read) is 503 with Retry-After, and the same key works once it is filled', async () => {
    await db.dataSource.query(`DELETE FROM product_prices`);
    const { token } = await placeOrder.issueToken('c-1');
    const command = { customerId: 'c-1', items: [{ sku: 'SKU-0001', quantity: 2 }] };
    const refused = await placeOrder.place(token, command).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PriceListLoading);
    expect(answerTo(refused)).toMatchObject({ status: 503, code: 'price_list_loading', headers: { 'Retry-After': '1' } });
    expect(await orderRows()).toBe(0);

    await projection.apply(priced({ sku: 'SKU-0001', name: 'Mechanical keyboard', priceCents: 8900, version: 1 }));
    const placed = await placeOrder.place(token, command);
    expect(placed).toMatchObject({ status: 201, replayed: false, body: { status: 'PENDING', totalCents: 17_800, items: [{ sku: 'SKU-0001', quantity: 2, priceCents: 8900 }] } });
    const outbox = (await db.dataSource.query(`SELECT type, payload FROM outbox_message WHERE key = $1`, [(placed.body as { id: string }).id])) as {
      type: string;
      payload: { totalCents: number };
    }[];
    expect(outbox).toEqual([expect.objectContaining({ type: 'OrderCreated', payload: expect.objectContaining({ totalCents: 17_800 }) })]);
  });

  it('a sku the list does not hold is 400 unknown_sku once the list has prices, and nothing is written', async () => {
    await projection.apply(priced({ sku: 'SKU-0002', name: 'Wireless mouse', priceCents: 2900, version: 1 }));
    const rows = await orderRows();
    const { token } = await placeOrder.issueToken('c-2');
    const refused = await placeOrder.place(token, { customerId: 'c-2', items: [{ sku: 'SKU-0002', quantity: 1 }, { sku: 'SKU-9999', quantity: 1 }] }).catch((e: unknown) => e);
    expect(answerTo(refused)).toMatchObject({ status: 400, code: 'unknown_sku' });
    expect(await orderRows()).toBe(rows);
  });

  it('Redis lost after the order is written: the order is answered 201 (not a 500), and a retry with the key never makes a second one', async () => {
    await projection.apply(priced({ sku: 'SKU-0003', name: 'Desk lamp', priceCents: 3900, version: 1 }));
    // A token store on its own connection, cut when the order's transaction commits (Redis restarting then).
    const fragileRedis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 2000, lazyConnect: true });
    await fragileRedis.connect();
    const uow = new UnitOfWork(db.dataSource, { serviceName: 'order' });
    // The order and its event are written by one statement (writeWithEvents): Redis goes right after it.
    const cutAfterCommit: UnitOfWork = Object.assign(Object.create(uow) as UnitOfWork, {
      writeWithEvents: async (...args: Parameters<UnitOfWork['writeWithEvents']>): Promise<string[]> => {
        const ids = await uow.writeWithEvents(...args);
        fragileRedis.disconnect();
        return ids;
      },
    });
    const orderRepository = new OrderRepository(db.dataSource);
    const handler = new PlaceOrderHandler(
      new IdempotencyTokenStore(fragileRedis, DEFAULT_IDEMPOTENCY_OPTIONS),
      orderRepository,
      prices,
      new KnownCustomersCache(orderRepository),
      cutAfterCommit,
    );
    const { token } = await placeOrder.issueToken('c-3');
    const command = { customerId: 'c-3', items: [{ sku: 'SKU-0003', quantity: 1 }] };
    const rows = await orderRows();
    const placed = await handler.place(token, command).finally(() => fragileRedis.disconnect());
    expect(placed).toMatchObject({ status: 201, replayed: false, body: { status: 'PENDING', customerId: 'c-3' } });
    expect(await orderRows()).toBe(rows + 1);
    // The token is still "processing" in Redis: the same key answers 409 until its lease ends, never a second order.
    const again = await placeOrder.place(token, command).catch((e: unknown) => e);
    expect(answerTo(again)).toMatchObject({ status: 409, code: 'idempotency_key_in_flight' });
    expect(await orderRows()).toBe(rows + 1);
  });
});
