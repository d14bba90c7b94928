import { createHash } from 'node:crypto';
import { Conflict } from '@shop/common';

/**
 * A payment of one order. One row per order (primary key), so an order is charged at most once:
 *   CHARGED  -> REFUNDED   (the order was cancelled after the charge)
 *   FAILED                 (declined: insufficient funds, unknown customer, injected failure)
 *   VOIDED                 (the order was cancelled before any charge: a tombstone, a late StockReserved charges nothing)
 */
export type PaymentStatus = 'CHARGED' | 'REFUNDED' | 'FAILED' | 'VOIDED';

/** A payment change the saga does not allow (e.g. FAILED -> REFUNDED): it is never written. */
export class IllegalPaymentTransitionError extends Conflict {
  constructor(
    readonly orderId: string,
    readonly from: PaymentStatus,
    readonly to: PaymentStatus,
  ) {
    super('illegal_payment_transition', `payment of ${orderId}: ${from} -> ${to} is not legal`);
  }
}

export function assertRefundable(orderId: string, status: PaymentStatus): void {
  if (status !== 'CHARGED') throw new IllegalPaymentTransitionError(orderId, status, 'REFUNDED');
}

export const INSUFFICIENT_FUNDS = 'insufficient funds';
export const UNKNOWN_CUSTOMER = 'unknown customer';
export const INJECTED_FAILURE = 'payment declined (failure injection)';

/**
 * Failure injection (config/payment/failure-rate): whether this order's payment fails on purpose. Decided by
 * the order id's hash, not by Math.random(), so a redelivered event gets the same answer and tests are
 * deterministic: rate 0 never fails, rate 1 always fails.
 */
export function failsOnPurpose(orderId: string, failureRate: number): boolean {
  if (failureRate <= 0) return false;
  if (failureRate >= 1) return true;
  const bucket = createHash('sha256').update(orderId).digest().readUInt32BE(0) / 0x1_0000_0000;
  return bucket < failureRate;
}
