import Redis from 'ioredis';
import { SagaSystem } from './support/saga-system';
import { Shop } from './support/shop';

jest.setTimeout(300_000);

/** POST /orders as the contract defines it: idempotency (幂等性) and bad input. Inventory down: availability.e2e-spec.ts. */
describe('order API: idempotency, validation', () => {
  let system: SagaSystem;
  let shop: Shop;
  let redis: Redis;
  const body = (customerId: string, quantity = 1) => ({ customerId, items: [{ sku: 'SKU-0005', quantity }] });
  const orderRows = async () => Number((await system.sql<{ n: string }>('order', `SELECT count(*) AS n FROM orders`))[0]!.n);
  const outboxRows = async () => Number((await system.sql<{ n: string }>('order', `SELECT count(*) AS n FROM outbox_message WHERE type = 'OrderCreated'`))[0]!.n);

  beforeAll(async () => {
    system = await SagaSystem.start();
    shop = new Shop(system);
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  });
  afterAll(async () => {
    await redis?.quit();
    await system?.stop();
  });

  describe('idempotency key', () => {
    it('issues a token bound to a known customer, with its expiry', async () => {
      const res = await system.call('order-1', 'POST', '/orders/tokens', { body: { customerId: 'c-10' } });
      expect(res.status).toBe(201);
      expect(res.body.token).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
      expect(Date.parse(res.body.expiresAt)).toBeGreaterThan(Date.now());
      expect((await system.call('order-1', 'POST', '/orders/tokens', { body: { customerId: 'c-100000' } })).status).toBe(404);
    });

    it('makes exactly one order of 50 concurrent submissions with one key; the others get 409 or the same order', async () => {
      const before = await shop.baseline(['c-11']);
      const rowsBefore = await orderRows();
      const key = await shop.token('c-11');
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => shop.submit(key, body('c-11', 2), i % 2 === 0 ? 'order-1' : 'order-2')));
      const created = answers.filter((a) => a.status === 201);
      const conflicts = answers.filter((a) => a.status === 409);
      expect(created.length + conflicts.length).toBe(50);
      expect(created.filter((a) => a.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
      expect(new Set(created.map((a) => a.body.id)).size).toBe(1);
      for (const c of conflicts) expect(c.body.error.code).toBe('idempotency_key_in_flight');
      expect(await orderRows()).toBe(rowsBefore + 1);
      expect((await shop.ordersOf('c-11')).map((o) => o.id)).toEqual([created[0]!.body.id]);
      await shop.settled(created[0]!.body.id);
      await shop.expectInvariants(before);
    });

    it('replays the first answer after completion, with Idempotent-Replayed: true', async () => {
      const key = await shop.token('c-12');
      const first = await shop.submit(key, body('c-12'));
      expect(first.status).toBe(201);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      const again = await shop.submit(key, { items: [{ quantity: 1, sku: 'SKU-0005' }], customerId: 'c-12' });
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
    });

    it('answers 422 to the same key with another body, and writes nothing', async () => {
      const key = await shop.token('c-13');
      expect((await shop.submit(key, body('c-13', 1))).status).toBe(201);
      const rows = await orderRows();
      const other = await shop.submit(key, body('c-13', 2));
      expect(other.status).toBe(422);
      expect(other.body.error.code).toBe('idempotency_key_reused');
      expect(await orderRows()).toBe(rows);
    });

    it('answers 400 to a missing, unknown or expired key, and to a key of another customer', async () => {
      const missing = await shop.submit(undefined, body('c-14'));
      expect([missing.status, missing.body.error.code]).toEqual([400, 'idempotency_key_missing']);
      const unknown = await shop.submit('x'.repeat(24), body('c-14'));
      expect([unknown.status, unknown.body.error.code]).toEqual([400, 'idempotency_key_unknown']);
      const expired = await shop.token('c-14');
      await redis.del(`idem:${expired}`);
      expect((await shop.submit(expired, body('c-14'))).status).toBe(400);
      const othersKey = await shop.token('c-15');
      const wrong = await shop.submit(othersKey, body('c-14'));
      expect([wrong.status, wrong.body.error.code]).toEqual([400, 'idempotency_key_wrong_customer']);
      expect(await shop.ordersOf('c-14')).toEqual([]);
    });

    it('still makes one order when Redis lost the token state: the unique index answers with the first order', async () => {
      const key = await shop.token('c-16');
      const first = await shop.submit(key, body('c-16'));
      expect(first.status).toBe(201);
      // As after a Redis failover to a replica that missed the last writes: the token is "new" again.
      await redis.hset(`idem:${key}`, 'state', 'new');
      await redis.hdel(`idem:${key}`, 'hash', 'response', 'lease');
      const again = await shop.submit(key, body('c-16'));
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body.id).toBe(first.body.id);
      expect((await shop.ordersOf('c-16')).map((o) => o.id)).toEqual([first.body.id]);
      await redis.hset(`idem:${key}`, 'state', 'new');
      await redis.hdel(`idem:${key}`, 'hash', 'response', 'lease');
      expect((await shop.submit(key, body('c-16', 3))).status).toBe(422);
      expect(await shop.ordersOf('c-16')).toHaveLength(1);
    });
  });

  describe('bad input answers 400/404 in the error shape and writes nothing', () => {
    const cases: [string, unknown, number, string][] = [
      ['an unknown field', { ...body('c-17'), coupon: 'FREE' }, 400, 'bad_request'],
      ['a quantity of 0', body('c-17', 0), 400, 'bad_request'],
      ['a negative quantity', body('c-17', -3), 400, 'bad_request'],
      ['a quantity of 101', body('c-17', 101), 400, 'bad_request'],
      ['a fractional quantity', body('c-17', 1.5), 400, 'bad_request'],
      ['a huge quantity', body('c-17', 1e12), 400, 'bad_request'],
      ['no lines', { customerId: 'c-17', items: [] }, 400, 'bad_request'],
      ['21 lines', { customerId: 'c-17', items: Array.from({ length: 21 }, (_, i) => ({ sku: `SKU-${String(i).padStart(4, '0')}`, quantity: 1 })) }, 400, 'bad_request'],
      ['a sku twice', { customerId: 'c-17', items: [{ sku: 'SKU-0001', quantity: 1 }, { sku: 'SKU-0001', quantity: 2 }] }, 400, 'bad_request'],
      ['a malformed sku', { customerId: 'c-17', items: [{ sku: 'drop table;', quantity: 1 }] }, 400, 'bad_request'],
      ['a malformed customer id', { customerId: 'bob', items: [{ sku: 'SKU-0001', quantity: 1 }] }, 400, 'bad_request'],
      ['an unknown sku', { customerId: 'c-17', items: [{ sku: 'SKU-9999', quantity: 1 }] }, 400, 'unknown_sku'],
    ];

    it.each(cases)('%s', async (_name, payload, status, code) => {
      const rows = await orderRows();
      const outbox = await outboxRows();
      const key = await shop.token('c-17');
      const res = await shop.submit(key, payload);
      expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
      expect(typeof res.body.error.message).toBe('string');
      expect([await orderRows(), await outboxRows()]).toEqual([rows, outbox]);
    });

    it('an unknown customer is 404, and nothing is written', async () => {
      const rows = await orderRows();
      expect((await system.call('order-1', 'POST', '/orders/tokens', { body: { customerId: 'c-999' } })).status).toBe(404);
      // A token of a known customer used for an unknown one is refused before anything is looked up.
      const key = await shop.token('c-17');
      expect((await shop.submit(key, { customerId: 'c-999', items: [{ sku: 'SKU-0001', quantity: 1 }] })).status).toBe(400);
      expect(await orderRows()).toBe(rows);
      const missing = await system.call('order-1', 'GET', '/orders/00000000-0000-4000-8000-000000000000');
      expect([missing.status, missing.body.error.code]).toEqual([404, 'order_not_found']);
    });

    it('a key whose request failed validation after it was taken can be used again with a good body', async () => {
      const key = await shop.token('c-18');
      expect((await shop.submit(key, { customerId: 'c-18', items: [{ sku: 'SKU-9999', quantity: 1 }] })).status).toBe(400);
      expect((await shop.submit(key, body('c-18'))).status).toBe(201);
    });
  });
});
