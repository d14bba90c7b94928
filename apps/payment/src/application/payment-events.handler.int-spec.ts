import { randomUUID } from 'node:crypto';
import { createThrowawayDatabase, ThrowawayDatabase } from '@shop/testing';
import { SagaEvent } from '@shop/contracts';
import { OUTBOX_ENTITIES, OUTBOX_MIGRATIONS, UnitOfWork } from '@shop/outbox';
import type { LiveConfig } from '@shop/registry-client';
import { PaymentsSchema1764203000000 } from '../infrastructure/migrations/1764203000000-payments-schema.migration';
import { SeedAccounts1764203000001 } from '../infrastructure/migrations/1764203000001-seed-accounts.migration';
import { AccountEntity, PaymentEntity } from '../infrastructure/payment.entity';
import { PaymentRepository } from '../infrastructure/payment.repository';
import { PaymentEventsHandler } from './payment-events.handler';

jest.setTimeout(60_000);

/** A fixed live-config value (the config center is not under test here). */
const fixed = <T>(value: T): LiveConfig<T> & { value: T } => {
  const live = { value, get: () => live.value, onChange: () => () => undefined };
  return live;
};
const event = (type: 'StockReserved' | 'OrderCancelled', orderId: string, payload: object, id = randomUUID()): SagaEvent =>
  ({ id, type, aggregateId: orderId, occurredAt: new Date().toISOString(), payload }) as SagaEvent;
const reserved = (orderId: string, customerId: string, totalCents: number) =>
  event('StockReserved', orderId, { customerId, items: [{ sku: 'SKU-0001', quantity: 1, priceCents: totalCents }], totalCents });
const cancelled = (orderId: string, customerId: string) => event('OrderCancelled', orderId, { reason: 'timeout', customerId, items: [{ sku: 'SKU-0001', quantity: 1 }] });

describe('payment events (real Postgres, payment_svc role)', () => {
  let db: ThrowawayDatabase;
  let repo: PaymentRepository;
  let handler: PaymentEventsHandler;
  const failureRate = fixed(0);
  const balance = async (c: string) => (await repo.findAccount(c))!.balanceCents;
  const outbox = async (orderId: string) => ((await db.dataSource.query(`SELECT type FROM outbox_message WHERE key = $1 ORDER BY seq`, [orderId])) as { type: string }[]).map((r) => r.type);

  beforeAll(async () => {
    db = await createThrowawayDatabase({
      prefix: 'it_payment_svc',
      owner: { role: 'payment_svc', password: 'payment_pw' },
      entities: [AccountEntity, PaymentEntity, ...OUTBOX_ENTITIES],
      migrations: [...OUTBOX_MIGRATIONS, PaymentsSchema1764203000000, SeedAccounts1764203000001],
    });
    repo = new PaymentRepository(db.dataSource);
    handler = new PaymentEventsHandler(repo, new UnitOfWork(db.dataSource, { serviceName: 'payment' }), failureRate, fixed(0));
  });
  afterAll(() => db?.drop());

  it('seeds customers c-1 .. c-100 with 100000 cents', async () => {
    expect(await balance('c-1')).toBe(100_000);
    expect(await balance('c-100')).toBe(100_000);
    expect(await repo.findAccount('c-101')).toBeNull();
  });

  it('charges once, even when the same StockReserved is delivered 10 times at once', async () => {
    const orderId = randomUUID();
    const e = reserved(orderId, 'c-2', 2500);
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => handler.handle(e)));
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(await balance('c-2')).toBe(97_500);
    expect(await outbox(orderId)).toEqual(['PaymentSucceeded']);
  });

  it('declines what the balance cannot cover, and charges nothing', async () => {
    const orderId = randomUUID();
    await handler.handle(reserved(orderId, 'c-3', 100_001));
    expect(await balance('c-3')).toBe(100_000);
    expect((await repo.findPayment(orderId))).toMatchObject({ status: 'FAILED', reason: 'insufficient funds' });
    expect(await outbox(orderId)).toEqual(['PaymentFailed']);
  });

  it('refunds a charge exactly once, whatever number of OrderCancelled arrive', async () => {
    const orderId = randomUUID();
    await handler.handle(reserved(orderId, 'c-4', 7000));
    await Promise.all([handler.handle(cancelled(orderId, 'c-4')), handler.handle(cancelled(orderId, 'c-4'))]);
    await handler.handle(cancelled(orderId, 'c-4'));
    expect(await balance('c-4')).toBe(100_000);
    expect((await repo.findPayment(orderId))!.status).toBe('REFUNDED');
    expect(await outbox(orderId)).toEqual(['PaymentSucceeded', 'PaymentRefunded']);
  });

  it('charges nothing for a StockReserved that arrives after the order was cancelled', async () => {
    const orderId = randomUUID();
    await handler.handle(cancelled(orderId, 'c-5'));
    await handler.handle(reserved(orderId, 'c-5', 3000));
    expect(await balance('c-5')).toBe(100_000);
    expect((await repo.findPayment(orderId))!.status).toBe('VOIDED');
    expect(await outbox(orderId)).toEqual([]);
  });

  it('charges nothing net when StockReserved and OrderCancelled of one order are handled at once (two partitions in parallel)', async () => {
    // The two events travel on different topics, so a consumer handling partitions concurrently may run them
    // together; the payments primary key makes the later insert fail, and Kafka redelivers that event.
    const deliver = async (event: SagaEvent): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        try {
          await handler.handle(event);
          return;
        } catch (error) {
          if (attempt === 3) throw error;
        }
      }
    };
    for (let round = 0; round < 5; round++) {
      const orderId = randomUUID();
      await Promise.all([deliver(reserved(orderId, 'c-8', 1000)), deliver(cancelled(orderId, 'c-8'))]);
      expect(await balance('c-8')).toBe(100_000);
      expect(['VOIDED', 'REFUNDED']).toContain((await repo.findPayment(orderId))!.status);
    }
  });

  it('declines on purpose at failure-rate 1', async () => {
    const orderId = randomUUID();
    failureRate.value = 1;
    try {
      await handler.handle(reserved(orderId, 'c-6', 100));
    } finally {
      failureRate.value = 0;
    }
    expect(await balance('c-6')).toBe(100_000);
    expect(await outbox(orderId)).toEqual(['PaymentFailed']);
  });

  it('keeps a balance >= 0 under concurrent charges of one customer', async () => {
    const orders = Array.from({ length: 12 }, () => randomUUID());
    await Promise.all(orders.map((id) => handler.handle(reserved(id, 'c-7', 10_000))));
    expect(await balance('c-7')).toBe(0);
    const succeeded = (await Promise.all(orders.map(outbox))).filter((t) => t[0] === 'PaymentSucceeded');
    expect(succeeded).toHaveLength(10);
  });
});
