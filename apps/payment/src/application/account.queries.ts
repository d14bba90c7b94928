import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { LiveConfig } from '@shop/registry-client';
import { LATENCY_MS } from '../payment.tokens';
import { AccountNotFound, PaymentNotFound } from './payment.errors';
import { PaymentStore } from './payment-store.port';

@Injectable()
export class AccountQueries {
  constructor(
    @Inject(PaymentStore) private readonly repo: PaymentStore,
    @Inject(LATENCY_MS) private readonly latencyMs: LiveConfig<number>,
  ) {}

  async account(customerId: string): Promise<{ customerId: string; balanceCents: number }> {
    // The injected latency (config/payment/latency-ms) slows the synchronous reads too, so that the gateway's
    // slow-call breaker can be watched opening (the seed: 50% slow calls within 5 s -> fail fast for 5 s).
    const latency = this.latencyMs.get();
    if (latency > 0) await sleep(latency);
    const account = await this.repo.findAccount(customerId);
    if (!account) throw new AccountNotFound(customerId);
    return { customerId: account.customerId, balanceCents: account.balanceCents };
  }

  /** The payment of one order (for the console and the saga's invariant checks). */
  async paymentOf(orderId: string) {
    const p = await this.repo.findPayment(orderId);
    if (!p) throw new PaymentNotFound(orderId);
    return { orderId: p.orderId, paymentId: p.paymentId, customerId: p.customerId, amountCents: p.amountCents, status: p.status, reason: p.reason };
  }
}
