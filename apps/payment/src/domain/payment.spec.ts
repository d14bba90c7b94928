import { assertRefundable, failsOnPurpose, IllegalPaymentTransitionError } from './payment';

describe('payment rules', () => {
  it('never fails on purpose at rate 0 and always at rate 1', () => {
    for (let i = 0; i < 200; i++) {
      expect(failsOnPurpose(`order-${i}`, 0)).toBe(false);
      expect(failsOnPurpose(`order-${i}`, 1)).toBe(true);
    }
  });

  it('fails about the configured share of orders, the same way for the same order', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `order-${i}`);
    const failed = ids.filter((id) => failsOnPurpose(id, 0.3)).length;
    expect(failed).toBeGreaterThan(500);
    expect(failed).toBeLessThan(700);
    expect(ids.map((id) => failsOnPurpose(id, 0.3))).toEqual(ids.map((id) => failsOnPurpose(id, 0.3)));
  });

  it('refunds only a charged payment', () => {
    expect(() => assertRefundable('o', 'CHARGED')).not.toThrow();
    for (const status of ['REFUNDED', 'FAILED', 'VOIDED'] as const) {
      expect(() => assertRefundable('o', status)).toThrow(IllegalPaymentTransitionError);
    }
  });
});
