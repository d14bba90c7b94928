import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { createLogger, metricsRegistry } from '@shop/common';
import { SagaEvent, SagaEventOf, sagaEvent } from '@shop/contracts';
import { UnitOfWork, UnitOfWorkContext } from '@shop/outbox';
import type { LiveConfig } from '@shop/registry-client';
import { Counter } from 'prom-client';
import { assertRefundable, failsOnPurpose, INJECTED_FAILURE, INSUFFICIENT_FUNDS, UNKNOWN_CUSTOMER } from '../domain/payment';
import { FAILURE_RATE, LATENCY_MS } from '../payment.tokens';
import { PaymentStore } from './payment-store.port';


export type HandleOutcome = 'applied' | 'duplicate' | 'ignored';
const payments = new Counter({
  name: 'payment_outcomes_total',
  help: 'Payment outcomes: charged, failed, refunded, voided, skipped',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

/**
 * Payment's side of the saga. StockReserved -> charge (PaymentSucceeded | PaymentFailed); OrderCancelled ->
 * refund the charge, if any, exactly once (PaymentRefunded). StockReserved (inventory.events) and OrderCancelled
 * (order.events) travel on different topics, so either may come first: a cancellation that finds no payment
 * leaves a VOIDED tombstone, and a StockReserved that finds the tombstone charges nothing.
 */
@Injectable()
export class PaymentEventsHandler {
  private readonly logger = createLogger('PaymentEventsHandler');

  constructor(
    @Inject(PaymentStore) private readonly repo: PaymentStore,
    @Inject(UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @Inject(FAILURE_RATE) private readonly failureRate: LiveConfig<number>,
    @Inject(LATENCY_MS) private readonly latencyMs: LiveConfig<number>,
  ) {}

  /** 'duplicate': a redelivery the inbox absorbed; 'ignored': an event this service does not react to. */
  async handle(event: SagaEvent): Promise<HandleOutcome> {
    if (event.type === 'StockReserved') {
      // Injected latency (config/payment/latency-ms) is spent before the transaction, never holding locks.
      const latency = this.latencyMs.get();
      if (latency > 0) await sleep(latency);
      const { duplicate } = await this.unitOfWork.runOnce(inbox(event), (ctx) => this.charge(ctx, event));
      return duplicate ? 'duplicate' : 'applied';
    }
    if (event.type === 'OrderCancelled') {
      const { duplicate } = await this.unitOfWork.runOnce(inbox(event), (ctx) => this.refund(ctx, event));
      return duplicate ? 'duplicate' : 'applied';
    }
    return 'ignored';
  }

  private async charge(ctx: UnitOfWorkContext, event: SagaEventOf<'StockReserved'>): Promise<void> {
    const orderId = event.aggregateId;
    const { customerId, totalCents } = event.payload;
    const existing = await this.repo.lockPayment(ctx.manager, orderId);
    if (existing) {
      // VOIDED: the order was cancelled (e.g. timeout) before its stock reservation reached us; charge nothing.
      this.logger.event('warn', 'StockReserved for an order that already has a payment record; no charge', { orderId, status: existing.status });
      payments.inc({ outcome: 'skipped' });
      return;
    }
    const paymentId = randomUUID();
    const decline = async (reason: string): Promise<void> => {
      await this.repo.insertPayment(ctx.manager, { orderId, paymentId, customerId, amountCents: totalCents, status: 'FAILED', reason });
      ctx.publish(sagaEvent('PaymentFailed', orderId, { reason, customerId }));
      payments.inc({ outcome: 'failed' });
    };
    if (failsOnPurpose(orderId, this.failureRate.get())) return decline(INJECTED_FAILURE);
    if (!(await this.repo.debit(ctx.manager, customerId, totalCents))) {
      return decline((await this.repo.accountExists(ctx.manager, customerId)) ? INSUFFICIENT_FUNDS : UNKNOWN_CUSTOMER);
    }
    await this.repo.insertPayment(ctx.manager, { orderId, paymentId, customerId, amountCents: totalCents, status: 'CHARGED', reason: null });
    ctx.publish(sagaEvent('PaymentSucceeded', orderId, { customerId, amountCents: totalCents, paymentId }));
    payments.inc({ outcome: 'charged' });
  }

  private async refund(ctx: UnitOfWorkContext, event: SagaEventOf<'OrderCancelled'>): Promise<void> {
    const orderId = event.aggregateId;
    const { customerId, reason } = event.payload;
    const existing = await this.repo.lockPayment(ctx.manager, orderId);
    if (!existing) {
      await this.repo.insertPayment(ctx.manager, { orderId, paymentId: randomUUID(), customerId, amountCents: 0, status: 'VOIDED', reason });
      payments.inc({ outcome: 'voided' });
      return;
    }
    if (existing.status !== 'CHARGED') {
      payments.inc({ outcome: 'skipped' });
      return;
    }
    assertRefundable(orderId, existing.status);
    await this.repo.credit(ctx.manager, existing.customerId, existing.amountCents);
    await this.repo.setStatus(ctx.manager, orderId, 'REFUNDED', reason);
    ctx.publish(sagaEvent('PaymentRefunded', orderId, { customerId: existing.customerId, amountCents: existing.amountCents, paymentId: existing.paymentId, reason }));
    payments.inc({ outcome: 'refunded' });
  }
}

const inbox = (event: SagaEvent) => ({ eventId: event.id, type: event.type, aggregateId: event.aggregateId });
