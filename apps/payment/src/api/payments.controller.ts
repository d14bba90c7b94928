import { Controller, Get, Param } from '@nestjs/common';
import { ApiError } from '@shop/common';
import { CUSTOMER_ID_FORMAT } from '@shop/contracts';
import { AccountQueries } from '../application/account.queries';

const ORDER_ID_FORMAT = /^[0-9a-f-]{36}$/;

@Controller('payments')
export class PaymentsController {
  constructor(private readonly queries: AccountQueries) {}

  @Get('accounts/:customerId')
  account(@Param('customerId') customerId: string) {
    if (!CUSTOMER_ID_FORMAT.test(customerId)) throw new ApiError(404, 'customer_not_found', 'no such customer');
    return this.queries.account(customerId);
  }

  @Get('orders/:orderId')
  paymentOf(@Param('orderId') orderId: string) {
    if (!ORDER_ID_FORMAT.test(orderId)) throw new ApiError(404, 'payment_not_found', 'no such payment');
    return this.queries.paymentOf(orderId);
  }
}
