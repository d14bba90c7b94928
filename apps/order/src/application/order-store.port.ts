import type { OutboundEvent, UnitOfWork, UnitOfWorkContext } from '@shop/outbox';
import type { Order } from '../domain/order';

/** A write's transaction: the unit of work's, so that the state change and its events commit together. */
type Transaction = UnitOfWorkContext['manager'];

/** Thrown by `insertWithEvents` when the idempotency key already has an order (the unique index refused it). */
export class DuplicateIdempotencyKeyError extends Error {
  override name = 'DuplicateIdempotencyKeyError';
}

/**
 * The orders, as the application needs them (eShop's IOrderRepository); implemented by
 * infrastructure/order.repository.ts. Reads outside a transaction see committed orders only.
 */
export interface OrderStore {
  /** A new order and its events, atomically; DuplicateIdempotencyKeyError when its key has an order already. */
  insertWithEvents(unitOfWork: UnitOfWork, order: Order, events: readonly OutboundEvent[]): Promise<void>;
  /** Writes the status, reason and history of an order locked in `tx`. */
  update(tx: Transaction, order: Order): Promise<void>;
  /** The order, its row locked until `tx` ends: event handlers and the sweeper serialize on it. */
  findForUpdate(tx: Transaction, id: string): Promise<Order | null>;
  /** Up to `limit` orders PENDING for longer than `olderThanMs`, locked, skipping those another holds. */
  lockTimedOut(tx: Transaction, olderThanMs: number, limit: number): Promise<Order[]>;
  findById(id: string): Promise<Order | null>;
  findByIdempotencyKey(key: string): Promise<Order | null>;
  /** The customer's most recent orders, newest first, at most `limit`. */
  findByCustomer(customerId: string, limit: number): Promise<Order[]>;
}

/** Nest's injection token of the port. */
export const OrderStore = Symbol('OrderStore');
