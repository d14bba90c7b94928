import { Controller, Get, Param } from '@nestjs/common';
import { Caller, mayRead } from '@shop/auth';
import type { Principal } from '@shop/auth';
import { CUSTOMER_ID_FORMAT } from '@shop/contracts';
import { AccountQueries } from '../application/account.queries';
import { AccountNotFound, PaymentNotFound } from '../application/payment.errors';

const ORDER_ID_FORMAT = /^[0-9a-f-]{36}$/;

/** A customer reads only their own account and payments; another's answers 404, as if it did not exist. */
@Controller('payments')
export class PaymentsController {
  constructor(private readonly queries: AccountQueries) {}

  @Get('accounts/:customerId')
  account(@Caller() caller: Principal, @Param('customerId') customerId: string) {
    if (!CUSTOMER_ID_FORMAT.test(customerId) || !mayRead(caller, customerId)) throw new AccountNotFound();
    return this.queries.account(customerId);
  }

  @Get('orders/:orderId')
  async paymentOf(@Caller() caller: Principal, @Param('orderId') orderId: string) {
    if (!ORDER_ID_FORMAT.test(orderId)) throw new PaymentNotFound();
    const payment = await this.queries.paymentOf(orderId);
    if (!mayRead(caller, payment.customerId)) throw new PaymentNotFound(orderId);
    return payment;
  }
}
