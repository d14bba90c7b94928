import { Inject, Injectable } from '@nestjs/common';
import { createLogger, metricsRegistry } from '@shop/common';
import { sagaEvent, SagaEvent } from '@shop/contracts';
import { UnitOfWork, UnitOfWorkContext } from '@shop/outbox';
import { Counter, Histogram } from 'prom-client';
import { Order } from '../domain/order';
import { decide, SagaSignal } from '../domain/order-saga';
import { OrderStore } from './order-store.port';


export type HandleOutcome = 'applied' | 'duplicate' | 'ignored';
const outcomes = new Counter({
  name: 'order_saga_outcomes_total',
  help: 'Orders ended by the saga, by status and reason; late answers to orders already ended',
  labelNames: ['status', 'reason'] as const,
  registers: [metricsRegistry],
});

/** Slow orders at a glance: PENDING to its end (a trace of one of them shows where the time went). */
const sagaDuration = new Histogram({
  name: 'order_saga_duration_seconds',
  help: 'From an order placed (PENDING) to its end, CONFIRMED or CANCELLED (observed in the ending transaction)',
  labelNames: ['status'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [metricsRegistry],
});

/**
 * The order's side of the saga (choreography): StockRejected / PaymentFailed -> CANCELLED + OrderCancelled,
 * PaymentSucceeded -> CONFIRMED + OrderConfirmed, and the timeout. Each reaction is one transaction with the
 * event's inbox record and the outbox row (UnitOfWork.runOnce), under the order's row lock.
 */
@Injectable()
export class OrderSagaHandler {
  private readonly logger = createLogger('OrderSagaHandler');

  constructor(
    @Inject(OrderStore) private readonly orders: OrderStore,
    @Inject(UnitOfWork) private readonly unitOfWork: UnitOfWork,
  ) {}

  /** Handles one consumed event. 'duplicate': a redelivery the inbox absorbed; 'ignored': not for order. */
  async handle(event: SagaEvent): Promise<HandleOutcome> {
    const signal = toSignal(event);
    if (!signal) return 'ignored';
    const { duplicate } = await this.unitOfWork.runOnce({ eventId: event.id, type: event.type, aggregateId: event.aggregateId }, async (ctx) => {
      const order = await this.orders.findForUpdate(ctx.manager, event.aggregateId);
      if (!order) {
        // Not ours to fix by retrying (it would block the partition forever): alert and record it as handled.
        this.logger.event('error', 'saga event for an unknown order', { alert: 'order_unknown', eventId: event.id, type: event.type, orderId: event.aggregateId });
        outcomes.inc({ status: 'unknown_order', reason: event.type });
        return;
      }
      await this.apply(ctx, order, signal, new Date());
    });
    return duplicate ? 'duplicate' : 'applied';
  }

  /** Applies the saga's decision to a locked order inside the caller's transaction (also used by the sweeper). */
  async apply(ctx: UnitOfWorkContext, order: Order, signal: SagaSignal, now: Date): Promise<void> {
    const decision = decide(order.status, signal);
    const s = order.snapshot();
    if (decision.action === 'none') {
      // A PaymentSucceeded for an order already CANCELLED: payment refunds it when it handles OrderCancelled.
      this.logger.event('warn', 'late saga event for an order that already ended; no change', { orderId: s.id, status: s.status, signal: signal.kind });
      outcomes.inc({ status: 'late', reason: signal.kind });
      return;
    }
    if (decision.action === 'confirm') {
      order.confirm(now);
      await this.orders.update(ctx.manager, order);
      ctx.publish(sagaEvent('OrderConfirmed', s.id, { customerId: s.customerId, items: s.items.map(line), totalCents: s.totalCents }));
      outcomes.inc({ status: 'CONFIRMED', reason: '' });
      sagaDuration.observe({ status: 'CONFIRMED' }, secondsSince(s.createdAt, now));
      return;
    }
    order.cancel(decision.reason, now);
    await this.orders.update(ctx.manager, order);
    ctx.publish(sagaEvent('OrderCancelled', s.id, { reason: decision.reason, customerId: s.customerId, items: s.items.map(line) }));
    outcomes.inc({ status: 'CANCELLED', reason: decision.reason });
    sagaDuration.observe({ status: 'CANCELLED' }, secondsSince(s.createdAt, now));
  }
}

const secondsSince = (iso: string, now: Date): number => Math.max(0, now.getTime() - Date.parse(iso)) / 1000;

const line = (l: { sku: string; quantity: number }) => ({ sku: l.sku, quantity: l.quantity });

function toSignal(event: SagaEvent): SagaSignal | null {
  switch (event.type) {
    case 'StockRejected':
      return { kind: 'StockRejected', reason: event.payload.reason };
    case 'PaymentFailed':
      return { kind: 'PaymentFailed', reason: event.payload.reason };
    case 'PaymentSucceeded':
      return { kind: 'PaymentSucceeded' };
    default:
      // Other events on the topics order consumes (StockReserved, PaymentRefunded) need no reaction here.
      return null;
  }
}
