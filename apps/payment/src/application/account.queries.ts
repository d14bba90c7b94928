import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { ApiError } from '@shop/common';
import type { LiveConfig } from '@shop/registry-client';
import { PaymentRepository } from '../infrastructure/payment.repository';
import { LATENCY_MS } from '../payment.tokens';

@Injectable()
export class AccountQueries {
  constructor(
    private readonly repo: PaymentRepository,
    @Inject(LATENCY_MS) private readonly latencyMs: LiveConfig<number>,
  ) {}

  async account(customerId: string): Promise<{ customerId: string; balanceCents: number }> {
    // The injected latency (config/payment/latency-ms) slows the synchronous reads too, so that the gateway's
    // slow-call breaker can be watched opening (the seed: 50% slow calls within 5 s -> fail fast for 5 s).
    const latency = this.latencyMs.get();
    if (latency > 0) await sleep(latency);
    const account = await this.repo.findAccount(customerId);
    if (!account) throw new ApiError(404, 'customer_not_found', `no account for customer ${customerId}`);
    return { customerId: account.customerId, balanceCents: account.balanceCents };
  }

  /** The payment of one order (for the console and the saga's invariant checks). */
  async paymentOf(orderId: string) {
    const p = await this.repo.findPayment(orderId);
    if (!p) throw new ApiError(404, 'payment_not_found', `no payment for order ${orderId}`);
    return { orderId: p.orderId, paymentId: p.paymentId, customerId: p.customerId, amountCents: p.amountCents, status: p.status, reason: p.reason };
  }
}
