import { Injectable, Inject } from '@nestjs/common';
import { createLogger, metricsRegistry } from '@shop/common';
import { SagaEvent, SagaEventOf, sagaEvent } from '@shop/contracts';
import { UnitOfWork, UnitOfWorkContext } from '@shop/outbox';
import { Counter } from 'prom-client';
import { assertReservationTransition, planReservation } from '../domain/stock';
import { StockStore } from './stock-store.port';


export type HandleOutcome = 'applied' | 'duplicate' | 'ignored';
const reservations = new Counter({
  name: 'inventory_reservations_total',
  help: 'Reservation outcomes: reserved, rejected, sold, released, skipped',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

/**
 * Inventory's side of the saga. OrderCreated -> reserve all lines or none (StockReserved | StockRejected);
 * OrderConfirmed -> reserved becomes sold; OrderCancelled -> release the reservation, if one exists. Each is one
 * transaction with the event's inbox record and the outbox row. The writes whose answer is not needed (the moves,
 * the reservation's row) go with the COMMIT (`ctx.atCommit`): a hot product stays locked for two round trips (its
 * lock, then the writes with the COMMIT) instead of four.
 */
@Injectable()
export class StockEventsHandler {
  private readonly logger = createLogger('StockEventsHandler');

  constructor(
    @Inject(StockStore) private readonly stock: StockStore,
    @Inject(UnitOfWork) private readonly unitOfWork: UnitOfWork,
  ) {}

  /** 'duplicate': a redelivery the inbox absorbed; 'ignored': an event this service does not react to. */
  async handle(event: SagaEvent): Promise<HandleOutcome> {
    if (event.type !== 'OrderCreated' && event.type !== 'OrderConfirmed' && event.type !== 'OrderCancelled') return 'ignored';
    const { duplicate } = await this.unitOfWork.runOnce({ eventId: event.id, type: event.type, aggregateId: event.aggregateId }, async (ctx) => {
      switch (event.type) {
        case 'OrderCreated':
          return this.reserve(ctx, event);
        case 'OrderConfirmed':
          return this.sell(ctx, event);
        case 'OrderCancelled':
          return this.release(ctx, event);
      }
    });
    return duplicate ? 'duplicate' : 'applied';
  }

  private async reserve(ctx: UnitOfWorkContext, event: SagaEventOf<'OrderCreated'>): Promise<void> {
    const orderId = event.aggregateId;
    const existing = await this.stock.lockReservation(ctx.manager, orderId);
    if (existing) {
      // The order was cancelled before its OrderCreated reached us (a tombstone), or it was handled already.
      this.logger.event('warn', 'OrderCreated for an order that already has a reservation record; nothing reserved', { orderId, status: existing.status });
      reservations.inc({ outcome: 'skipped' });
      return;
    }
    const lines = event.payload.items.map((l) => ({ sku: l.sku, quantity: l.quantity }));
    const levels = await this.stock.lockLevels(ctx.manager, lines.map((l) => l.sku));
    const plan = planReservation(levels, lines);
    if (!plan.ok) {
      this.stock.insertReservation(ctx, { orderId, status: 'REJECTED', lines }, plan.reason);
      ctx.publish(sagaEvent('StockRejected', orderId, { reason: plan.reason, sku: plan.sku }));
      reservations.inc({ outcome: 'rejected' });
      return;
    }
    for (const change of plan.changes) this.stock.move(ctx, change.sku, change.quantity, 'available', 'reserved');
    this.stock.insertReservation(ctx, { orderId, status: 'RESERVED', lines }, null);
    ctx.publish(sagaEvent('StockReserved', orderId, { customerId: event.payload.customerId, items: event.payload.items, totalCents: event.payload.totalCents }));
    reservations.inc({ outcome: 'reserved' });
  }

  private async sell(ctx: UnitOfWorkContext, event: SagaEventOf<'OrderConfirmed'>): Promise<void> {
    const orderId = event.aggregateId;
    const reservation = await this.stock.lockReservation(ctx.manager, orderId);
    if (!reservation) throw new Error(`OrderConfirmed for ${orderId} but no reservation exists (the OrderCreated was not handled?)`);
    assertReservationTransition(orderId, reservation.status, 'SOLD');
    await this.stock.lockLevels(ctx.manager, reservation.lines.map((l) => l.sku));
    for (const l of reservation.lines) this.stock.move(ctx, l.sku, l.quantity, 'reserved', 'sold');
    this.stock.setReservationStatus(ctx, orderId, 'SOLD', null);
    reservations.inc({ outcome: 'sold' });
  }

  private async release(ctx: UnitOfWorkContext, event: SagaEventOf<'OrderCancelled'>): Promise<void> {
    const orderId = event.aggregateId;
    const reservation = await this.stock.lockReservation(ctx.manager, orderId);
    if (!reservation) {
      // Cancelled before its OrderCreated was handled: a tombstone makes a late OrderCreated reserve nothing.
      const lines = event.payload.items.map((l) => ({ sku: l.sku, quantity: l.quantity }));
      this.stock.insertReservation(ctx, { orderId, status: 'CANCELLED', lines }, event.payload.reason);
      reservations.inc({ outcome: 'skipped' });
      return;
    }
    if (reservation.status !== 'RESERVED') {
      // REJECTED (nothing was held) or already RELEASED: nothing to give back.
      reservations.inc({ outcome: 'skipped' });
      return;
    }
    await this.stock.lockLevels(ctx.manager, reservation.lines.map((l) => l.sku));
    for (const l of reservation.lines) this.stock.move(ctx, l.sku, l.quantity, 'reserved', 'available');
    this.stock.setReservationStatus(ctx, orderId, 'RELEASED', event.payload.reason);
    reservations.inc({ outcome: 'released' });
  }
}
