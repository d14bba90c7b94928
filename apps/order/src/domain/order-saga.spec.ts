import fc from 'fast-check';
import { IllegalOrderTransitionError, Order, OrderStatus } from './order';
import { decide, SagaSignal } from './order-saga';

const signal: fc.Arbitrary<SagaSignal> = fc.oneof(
  fc.constant<SagaSignal>({ kind: 'PaymentSucceeded' }),
  fc.constant<SagaSignal>({ kind: 'Timeout' }),
  fc.string({ minLength: 1, maxLength: 20 }).map((reason): SagaSignal => ({ kind: 'StockRejected', reason })),
  fc.string({ minLength: 1, maxLength: 20 }).map((reason): SagaSignal => ({ kind: 'PaymentFailed', reason })),
);

/** Applies the saga's decisions to a fresh order, as the event handlers and the sweeper do. */
function run(signals: readonly SagaSignal[]): Order {
  const order = Order.place({
    id: 'o-1',
    customerId: 'c-1',
    items: [{ sku: 'SKU-0001', quantity: 1, priceCents: 100 }],
    idempotencyKey: 'k',
    requestHash: 'h',
    now: new Date(0),
  });
  signals.forEach((s, i) => {
    const decision = decide(order.status, s);
    const at = new Date(i + 1);
    if (decision.action === 'confirm') order.confirm(at);
    if (decision.action === 'cancel') order.cancel(decision.reason, at);
  });
  return order;
}

describe('order saga state machine (property-based)', () => {
  it('any sequence of events (duplicates, reordering, late answers) leaves a legal status and never throws', () => {
    fc.assert(
      fc.property(fc.array(signal, { maxLength: 30 }), (signals) => {
        const order = run(signals);
        const { status, history } = order.snapshot();
        expect(['PENDING', 'CONFIRMED', 'CANCELLED']).toContain(status);
        // One start, at most one end.
        expect(history[0]!.status).toBe('PENDING');
        expect(history.length).toBeLessThanOrEqual(2);
        expect(history[history.length - 1]!.status).toBe(status);
      }),
    );
  });

  it('the first decisive event wins; nothing after the end changes the order', () => {
    fc.assert(
      fc.property(fc.array(signal, { minLength: 1, maxLength: 30 }), (signals) => {
        const first = signals[0]!;
        const expected: OrderStatus = first.kind === 'PaymentSucceeded' ? 'CONFIRMED' : 'CANCELLED';
        expect(run(signals).status).toBe(expected);
        expect(run([...signals, ...signals]).snapshot()).toEqual(run(signals).snapshot());
      }),
    );
  });

  it('a PaymentSucceeded after the order was cancelled never confirms it (payment refunds instead)', () => {
    fc.assert(
      fc.property(fc.array(signal, { maxLength: 10 }), (rest) => {
        const order = run([{ kind: 'Timeout' }, { kind: 'PaymentSucceeded' }, ...rest]);
        expect(order.snapshot()).toMatchObject({ status: 'CANCELLED', reason: 'timeout' });
        expect(decide('CANCELLED', { kind: 'PaymentSucceeded' })).toEqual({ action: 'none', late: true });
      }),
    );
  });

  it('the aggregate refuses every move out of a final status', () => {
    fc.assert(
      fc.property(fc.constantFrom<OrderStatus>('CONFIRMED', 'CANCELLED'), fc.constantFrom<OrderStatus>('PENDING', 'CONFIRMED', 'CANCELLED'), (end, to) => {
        const order = run([end === 'CONFIRMED' ? { kind: 'PaymentSucceeded' } : { kind: 'Timeout' }]);
        expect(() => order.transitionTo(to, null, new Date())).toThrow(IllegalOrderTransitionError);
      }),
    );
  });
});
