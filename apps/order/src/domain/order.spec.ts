import { IllegalOrderTransitionError, InvalidOrderError, Order } from './order';

const now = new Date('2026-11-26T08:00:00.000Z');
const later = new Date('2026-11-26T08:00:05.000Z');
const place = (items = [{ sku: 'SKU-0001', quantity: 2, priceCents: 1500 }]) =>
  Order.place({ id: 'o-1', customerId: 'c-1', items, idempotencyKey: 'k', requestHash: 'h', now });

describe('Order aggregate', () => {
  it('starts PENDING with the total of its lines and one history entry', () => {
    const order = place([
      { sku: 'SKU-0001', quantity: 2, priceCents: 1500 },
      { sku: 'SKU-0002', quantity: 1, priceCents: 999 },
    ]);
    expect(order.snapshot()).toMatchObject({ status: 'PENDING', reason: null, totalCents: 3999, history: [{ status: 'PENDING', at: now.toISOString() }] });
  });

  it('confirms a pending order and records when', () => {
    const order = place();
    order.confirm(later);
    expect(order.snapshot().history).toEqual([
      { status: 'PENDING', at: now.toISOString() },
      { status: 'CONFIRMED', at: later.toISOString() },
    ]);
  });

  it('refuses CONFIRMED -> PENDING and leaves the order unchanged', () => {
    const order = place();
    order.confirm(later);
    const before = order.snapshot();
    expect(() => order.transitionTo('PENDING', null, later)).toThrow(IllegalOrderTransitionError);
    expect(order.snapshot()).toEqual(before);
  });

  it('refuses to confirm a cancelled order', () => {
    const order = place();
    order.cancel('timeout', later);
    expect(() => order.confirm(later)).toThrow(IllegalOrderTransitionError);
    expect(order.snapshot()).toMatchObject({ status: 'CANCELLED', reason: 'timeout' });
  });

  it('refuses to cancel twice', () => {
    const order = place();
    order.cancel('out of stock', later);
    expect(() => order.cancel('timeout', later)).toThrow(IllegalOrderTransitionError);
    expect(order.snapshot().reason).toBe('out of stock');
  });

  it.each([
    ['no lines', []],
    ['a quantity of 0', [{ sku: 'SKU-0001', quantity: 0, priceCents: 1 }]],
    ['a quantity of 101', [{ sku: 'SKU-0001', quantity: 101, priceCents: 1 }]],
    ['a fractional quantity', [{ sku: 'SKU-0001', quantity: 1.5, priceCents: 1 }]],
    ['a sku twice', [{ sku: 'SKU-0001', quantity: 1, priceCents: 1 }, { sku: 'SKU-0001', quantity: 1, priceCents: 1 }]],
    ['21 lines', Array.from({ length: 21 }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1, priceCents: 1 }))],
  ])('refuses an order with %s', (_name, items) => {
    expect(() => place(items)).toThrow(InvalidOrderError);
  });
});
