import { CONFIG_KEYS } from '@shop/contracts';
import { eventually } from '@shop/testing';
import { SagaSystem } from './support/saga-system';
import { Shop } from './support/shop';

jest.setTimeout(600_000);

const SAGA_TIMEOUT_KEY = CONFIG_KEYS.order.sagaTimeoutMs;
const LIFTED_SAGA_TIMEOUT_MS = 600_000;

/**
 * What happens to the saga under failure: Kafka down (the outbox keeps the events), a consumer crashing between
 * its commit and its offset commit (the inbox absorbs the redelivery), the saga timeout (cancel, then refund).
 * Kafka here is this run's private broker, so stopping it disturbs nobody else.
 */
describe('order saga under failure', () => {
  let system: SagaSystem;
  let shop: Shop;

  beforeAll(async () => {
    system = await SagaSystem.start();
    shop = new Shop(system);
    // Outages, crashes and the consumer group's rejoin (a killed member holds its partitions until its 30 s
    // session times out) may outlast the default 30 s saga timeout, which would rightly cancel the orders. These
    // scenarios are about the outbox and the inbox, so the timeout is lifted; the last one sets it on purpose.
    await system.setConfig(SAGA_TIMEOUT_KEY, LIFTED_SAGA_TIMEOUT_MS);
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('accepts orders while Kafka is down (PENDING, outbox grows), and completes all of them once Kafka is back', async () => {
    const customers = ['c-40', 'c-41', 'c-42', 'c-43', 'c-44'];
    const before = await shop.baseline(customers);
    await system.kafka.pause();
    try {
      const placed = [];
      for (const c of customers) placed.push(await shop.place(c, [{ sku: 'SKU-0012', quantity: 2 }]), await shop.place(c, [{ sku: 'SKU-0016', quantity: 1 }]));
      expect(placed.every((o) => o.status === 'PENDING')).toBe(true);
      const stats = await eventually('the order outbox holds the unpublished OrderCreated events', async () => {
        const s = (await system.call('order-1', 'GET', '/outbox/stats')).body;
        return s.pending >= placed.length ? s : undefined;
      }, 60_000, 200);
      expect(stats.oldestPendingAgeMs).toBeGreaterThan(0);
      for (const o of placed) expect((await shop.order(o.id)).status).toBe('PENDING');
    } finally {
      await system.kafka.resume();
    }
    const orders = await shop.expectInvariants(before, 180_000);
    expect(orders).toHaveLength(10);
    expect(orders.map((o) => o.status)).toEqual(orders.map(() => 'CONFIRMED'));
    expect((await system.call('order-1', 'GET', '/outbox/stats')).body.pending).toBe(0);
  });

  it.each([
    ['payment', 'StockReserved', 'c-50'],
    ['inventory', 'OrderCreated', 'c-51'],
  ] as const)('%s crashing after committing %s, before the offset commit: the redelivery changes nothing', async (service, eventType, customer) => {
    const before = await shop.baseline([customer]);
    await system.stopProcess(service);
    await system.startProcess(service, { CHAOS_CRASH_AFTER_COMMIT_OF: eventType });
    const placed = await shop.place(customer, [{ sku: 'SKU-0014', quantity: 3 }]);
    // The chaos hook kills the process right after its transaction (effect + inbox + outbox) committed.
    expect(await system.waitForExit(service)).toBe(86);
    await system.startProcess(service, { CHAOS_CRASH_AFTER_COMMIT_OF: undefined });
    expect((await shop.settled(placed.id)).status).toBe('CONFIRMED');
    await shop.expectInvariants(before);
    // The event did come back, and the inbox absorbed it: one effect, one record.
    const inbox = await system.sql<{ n: string }>(service, `SELECT count(*) AS n FROM inbox_message WHERE aggregate_id = $1 AND type = $2`, [placed.id, eventType]);
    expect(Number(inbox[0]!.n)).toBe(1);
    const metrics = (await system.call(service, 'GET', '/metrics')).body as string;
    expect(metrics).toMatch(new RegExp(`saga_events_consumed_total\\{[^}]*type="${eventType}"[^}]*outcome="duplicate"[^}]*\\} [1-9]`));
  });

  it('cancels an order whose saga outlives config/order/saga-timeout-ms, refunds its late charge and releases its stock', async () => {
    const before = await shop.baseline(['c-60']);
    await system.setConfig(SAGA_TIMEOUT_KEY, 2000);
    await system.setConfig('config/payment/latency-ms', 6000);
    let orderId: string;
    let paymentStatus: string;
    try {
      const placed = await shop.place('c-60', [{ sku: 'SKU-0015', quantity: 1 }]);
      orderId = placed.id;
      const ended = await shop.settled(placed.id, 60_000);
      expect(ended).toMatchObject({ status: 'CANCELLED', reason: 'timeout' });
      // Payment was still sleeping on StockReserved: it charges late (PaymentSucceeded reaches a CANCELLED order)
      // or sees the cancellation first. Either way the money ends where it started.
      paymentStatus = await eventually('payment settles the cancelled order', async () => {
        const p = await shop.payment(placed.id);
        return p.status === 200 && ['REFUNDED', 'VOIDED'].includes(p.body.status) ? (p.body.status as string) : undefined;
      }, 60_000, 200);
    } finally {
      // Back to normal before reading balances (the injected latency slows payment's reads too).
      await system.setConfig('config/payment/latency-ms', 0);
      await system.setConfig(SAGA_TIMEOUT_KEY, LIFTED_SAGA_TIMEOUT_MS);
    }
    await shop.expectInvariants(before);
    const final = await shop.order(orderId);
    expect(final).toMatchObject({ status: 'CANCELLED', reason: 'timeout' });
    expect(final.history.map((h) => h.status)).toEqual(['PENDING', 'CANCELLED']);
    if (paymentStatus === 'REFUNDED') {
      const timeline = (await system.call('payment', 'GET', `/events?aggregateId=${orderId}`)).body as { type: string }[];
      expect(timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['PaymentSucceeded', 'PaymentRefunded']));
    }
  });
});
