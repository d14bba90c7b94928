import { NotFound } from '@shop/common';

/**
 * What payment's reads refuse, in the application's words; the status comes from libs/common's one table.
 * Without an id, the answer names none: the id was malformed, or is another customer's (which must read
 * the same as one that does not exist).
 */

export class AccountNotFound extends NotFound {
  constructor(customerId?: string) {
    super('customer_not_found', customerId === undefined ? 'no such customer' : `no account for customer ${customerId}`);
  }
}

export class PaymentNotFound extends NotFound {
  constructor(orderId?: string) {
    super('payment_not_found', orderId === undefined ? 'no such payment' : `no payment for order ${orderId}`);
  }
}
