/** The order aggregate: it alone decides which status changes are legal (docs/conventions.md, "NestJS services"). */
import { Conflict, Invalid } from '@shop/common';

export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'CANCELLED';

export interface OrderLine {
  sku: string;
  quantity: number;
  /** Unit price from order's price list (inventory's ProductPriced events) when the order was placed. */
  priceCents: number;
}

export interface StatusChange {
  status: OrderStatus;
  at: string;
}

export interface OrderSnapshot {
  id: string;
  customerId: string;
  status: OrderStatus;
  reason: string | null;
  items: OrderLine[];
  totalCents: number;
  history: StatusChange[];
  idempotencyKey: string;
  requestHash: string;
  createdAt: string;
}

/** A status change the saga does not allow (e.g. CONFIRMED -> PENDING): it is never written. */
export class IllegalOrderTransitionError extends Conflict {
  constructor(
    readonly orderId: string,
    readonly from: OrderStatus,
    readonly to: OrderStatus,
  ) {
    super('illegal_order_transition', `order ${orderId}: ${from} -> ${to} is not a legal transition`);
  }
}

/** An order that breaks the aggregate's own rules (lines, quantities, prices): it is never placed. */
export class InvalidOrderError extends Invalid {
  constructor(message: string) {
    super('invalid_order', message);
  }
}

/** The only legal moves: a saga starts PENDING and ends once, CONFIRMED or CANCELLED. */
const ALLOWED: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ['CONFIRMED', 'CANCELLED'],
  CONFIRMED: [],
  CANCELLED: [],
};

export const MAX_LINES = 20;
export const MAX_QUANTITY = 100;

export class Order {
  private constructor(private state: OrderSnapshot) {}

  static place(input: {
    id: string;
    customerId: string;
    items: readonly OrderLine[];
    idempotencyKey: string;
    requestHash: string;
    now: Date;
  }): Order {
    if (input.items.length < 1 || input.items.length > MAX_LINES) throw new InvalidOrderError(`an order has 1..${MAX_LINES} lines`);
    const skus = new Set<string>();
    for (const line of input.items) {
      if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_QUANTITY) {
        throw new InvalidOrderError(`quantity of ${line.sku} must be an integer 1..${MAX_QUANTITY}`);
      }
      if (!Number.isSafeInteger(line.priceCents) || line.priceCents < 0) throw new InvalidOrderError(`price of ${line.sku} is not valid cents`);
      if (skus.has(line.sku)) throw new InvalidOrderError(`sku ${line.sku} appears on more than one line`);
      skus.add(line.sku);
    }
    const at = input.now.toISOString();
    return new Order({
      id: input.id,
      customerId: input.customerId,
      status: 'PENDING',
      reason: null,
      items: input.items.map((l) => ({ ...l })),
      totalCents: input.items.reduce((sum, l) => sum + l.quantity * l.priceCents, 0),
      history: [{ status: 'PENDING', at }],
      idempotencyKey: input.idempotencyKey,
      requestHash: input.requestHash,
      createdAt: at,
    });
  }

  static restore(snapshot: OrderSnapshot): Order {
    return new Order({ ...snapshot, items: snapshot.items.map((l) => ({ ...l })), history: snapshot.history.map((h) => ({ ...h })) });
  }

  get id(): string {
    return this.state.id;
  }
  get status(): OrderStatus {
    return this.state.status;
  }

  snapshot(): OrderSnapshot {
    return { ...this.state, items: this.state.items.map((l) => ({ ...l })), history: this.state.history.map((h) => ({ ...h })) };
  }

  confirm(now: Date): void {
    this.transitionTo('CONFIRMED', null, now);
  }

  cancel(reason: string, now: Date): void {
    this.transitionTo('CANCELLED', reason, now);
  }

  /** The one door to a status change; throws (and changes nothing) when the saga does not allow it. */
  transitionTo(to: OrderStatus, reason: string | null, now: Date): void {
    if (!ALLOWED[this.state.status].includes(to)) throw new IllegalOrderTransitionError(this.state.id, this.state.status, to);
    this.state = {
      ...this.state,
      status: to,
      reason,
      history: [...this.state.history, { status: to, at: now.toISOString() }],
    };
  }
}
