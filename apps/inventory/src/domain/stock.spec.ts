import { assertReservationTransition, IllegalReservationTransitionError, planReservation } from './stock';

const levels = [
  { sku: 'SKU-0001', available: 5, reserved: 0, sold: 0 },
  { sku: 'SKU-0002', available: 1, reserved: 2, sold: 3 },
];

describe('stock reservation plan', () => {
  it('reserves every line when all are available', () => {
    expect(planReservation(levels, [{ sku: 'SKU-0001', quantity: 5 }, { sku: 'SKU-0002', quantity: 1 }])).toEqual({
      ok: true,
      changes: [{ sku: 'SKU-0001', quantity: 5 }, { sku: 'SKU-0002', quantity: 1 }],
    });
  });

  it('reserves nothing when one line is short, naming it', () => {
    expect(planReservation(levels, [{ sku: 'SKU-0001', quantity: 1 }, { sku: 'SKU-0002', quantity: 2 }])).toEqual({ ok: false, reason: 'out of stock', sku: 'SKU-0002' });
  });

  it('rejects an unknown sku', () => {
    expect(planReservation(levels, [{ sku: 'SKU-9999', quantity: 1 }])).toEqual({ ok: false, reason: 'unknown sku', sku: 'SKU-9999' });
  });
});

describe('reservation transitions', () => {
  it('allows RESERVED -> SOLD and RESERVED -> RELEASED', () => {
    expect(() => assertReservationTransition('o', 'RESERVED', 'SOLD')).not.toThrow();
    expect(() => assertReservationTransition('o', 'RESERVED', 'RELEASED')).not.toThrow();
  });

  it.each([
    ['SOLD', 'RELEASED'],
    ['RELEASED', 'SOLD'],
    ['REJECTED', 'SOLD'],
    ['SOLD', 'RESERVED'],
  ] as const)('refuses %s -> %s', (from, to) => {
    expect(() => assertReservationTransition('o', from, to)).toThrow(IllegalReservationTransitionError);
  });
});
