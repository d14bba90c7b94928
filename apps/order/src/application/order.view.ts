import type { Order } from '../domain/order';

/** The contract's order representation: `{id, customerId, status, reason, items, totalCents, history}`. */
export interface OrderView {
  id: string;
  customerId: string;
  status: string;
  reason: string | null;
  items: { sku: string; quantity: number; priceCents: number }[];
  totalCents: number;
  history: { status: string; at: string }[];
}

export function toView(order: Order): OrderView {
  const s = order.snapshot();
  return { id: s.id, customerId: s.customerId, status: s.status, reason: s.reason, items: s.items, totalCents: s.totalCents, history: s.history };
}
