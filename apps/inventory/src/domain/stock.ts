/** Stock rules of inventory: pure, so the all-or-nothing reservation can be tested without a database. */
import { Conflict } from '@shop/common';

export interface StockLevel {
  sku: string;
  available: number;
  reserved: number;
  sold: number;
}

export interface RequestedLine {
  sku: string;
  quantity: number;
}

export type ReservationPlan =
  | { ok: true; changes: { sku: string; quantity: number }[] }
  | { ok: false; reason: 'unknown sku' | 'out of stock'; sku: string };

/**
 * All lines or none: the plan succeeds only when every sku exists and has enough available stock. The first
 * line that cannot be served is named.
 */
export function planReservation(levels: readonly StockLevel[], lines: readonly RequestedLine[]): ReservationPlan {
  const bySku = new Map(levels.map((l) => [l.sku, l]));
  for (const line of lines) {
    const level = bySku.get(line.sku);
    if (!level) return { ok: false, reason: 'unknown sku', sku: line.sku };
    if (level.available < line.quantity) return { ok: false, reason: 'out of stock', sku: line.sku };
  }
  return { ok: true, changes: lines.map((l) => ({ sku: l.sku, quantity: l.quantity })) };
}

/** What a reservation of one order can become; a final state never changes again. */
export type ReservationStatus = 'RESERVED' | 'SOLD' | 'RELEASED' | 'REJECTED' | 'CANCELLED';

/** A reservation change the saga does not allow (e.g. RELEASED -> SOLD): it is never written. */
export class IllegalReservationTransitionError extends Conflict {
  constructor(
    readonly orderId: string,
    readonly from: ReservationStatus,
    readonly to: ReservationStatus,
  ) {
    super('illegal_reservation_transition', `reservation of ${orderId}: ${from} -> ${to} is not legal`);
  }
}

const ALLOWED: Readonly<Record<ReservationStatus, readonly ReservationStatus[]>> = {
  RESERVED: ['SOLD', 'RELEASED'],
  SOLD: [],
  RELEASED: [],
  REJECTED: [],
  CANCELLED: [],
};

export function assertReservationTransition(orderId: string, from: ReservationStatus, to: ReservationStatus): void {
  if (!ALLOWED[from].includes(to)) throw new IllegalReservationTransitionError(orderId, from, to);
}
