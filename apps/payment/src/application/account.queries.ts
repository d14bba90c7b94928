import { Injectable } from '@nestjs/common';
import { ApiError } from '@shop/common';
import { PaymentRepository } from '../infrastructure/payment.repository';

@Injectable()
export class AccountQueries {
  constructor(private readonly repo: PaymentRepository) {}

  async account(customerId: string): Promise<{ customerId: string; balanceCents: number }> {
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
