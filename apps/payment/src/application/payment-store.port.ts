import type { UnitOfWorkContext } from '@shop/outbox';
import type { PaymentStatus } from '../domain/payment';

/** A write's transaction: the unit of work's, so that the money moves and their events commit together. */
type Transaction = UnitOfWorkContext['manager'];

export interface AccountRow {
  customerId: string;
  balanceCents: number;
}

export interface PaymentRow {
  orderId: string;
  paymentId: string;
  customerId: string;
  amountCents: number;
  status: PaymentStatus;
  reason: string | null;
}

/**
 * Accounts and payments, as the saga's payment steps and the reads need them; implemented by
 * infrastructure/payment.repository.ts. Every write goes through the caller's transaction.
 */
export interface PaymentStore {
  findAccount(customerId: string): Promise<AccountRow | null>;
  findPayment(orderId: string): Promise<PaymentRow | null>;
  /** The order's payment, locked until `tx` ends (StockReserved and OrderCancelled serialize on it). */
  lockPayment(tx: Transaction, orderId: string): Promise<PaymentRow | null>;
  /** Takes `amountCents` from the balance only if it covers it; false when it does not (or no account). */
  debit(tx: Transaction, customerId: string, amountCents: number): Promise<boolean>;
  credit(tx: Transaction, customerId: string, amountCents: number): Promise<void>;
  accountExists(tx: Transaction, customerId: string): Promise<boolean>;
  insertPayment(tx: Transaction, payment: PaymentRow): Promise<void>;
  setStatus(tx: Transaction, orderId: string, status: PaymentStatus, reason: string | null): Promise<void>;
}

/** Nest's injection token of the port. */
export const PaymentStore = Symbol('PaymentStore');
