import type { ProductView } from '@shop/contracts';
import type { UnitOfWorkContext } from '@shop/outbox';
import type { ReservationStatus, StockLevel } from '../domain/stock';

/** A write's transaction: the unit of work's, so that the stock moves and their events commit together. */
type Transaction = UnitOfWorkContext['manager'];

/** A product as the catalog shows it (`GET /products`): the contract's shape. */
export type { ProductView };

/** The reservation of one order: what it holds, and where it stands. */
export interface ReservationRow {
  orderId: string;
  status: ReservationStatus;
  lines: { sku: string; quantity: number }[];
}

/**
 * Products and reservations, as the catalog and the saga's stock steps need them; implemented by
 * infrastructure/stock.repository.ts. Every write goes through the caller's transaction.
 */
export interface StockStore {
  listProducts(): Promise<ProductView[]>;
  findProduct(sku: string): Promise<ProductView | null>;
  /** The products' stock, their rows locked in sku order until `tx` ends (one lock order: no deadlock). */
  lockLevels(tx: Transaction, skus: readonly string[]): Promise<StockLevel[]>;
  /**
   * Moves `quantity` of a product locked by `lockLevels` from one count to another, sent with the unit of work's
   * COMMIT (`ctx.atCommit`): the hot product's lock is held one round trip less. A negative count fails the
   * whole transaction.
   */
  move(ctx: UnitOfWorkContext, sku: string, quantity: number, from: 'available' | 'reserved', to: 'reserved' | 'sold' | 'available'): void;
  /** The order's reservation, locked until `tx` ends; null when none exists. */
  lockReservation(tx: Transaction, orderId: string): Promise<ReservationRow | null>;
  /** Sent with the COMMIT, as `move`. */
  insertReservation(ctx: UnitOfWorkContext, reservation: ReservationRow, reason: string | null): void;
  /** Sent with the COMMIT, as `move`, on a reservation locked by `lockReservation`. */
  setReservationStatus(ctx: UnitOfWorkContext, orderId: string, status: ReservationStatus, reason: string | null): void;
}

/** Nest's injection token of the port. */
export const StockStore = Symbol('StockStore');
