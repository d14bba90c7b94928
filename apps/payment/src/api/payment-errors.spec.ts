import { errorAnswerOf } from '@shop/testing';
import { AccountNotFound, PaymentNotFound } from '../application/payment.errors';
import { IllegalPaymentTransitionError } from '../domain/payment';

/** What a client of payment is told for each refusal. */
describe("payment's refusals on the wire", () => {
  beforeAll(() => jest.spyOn(process.stdout, 'write').mockImplementation(() => true));
  afterAll(() => jest.restoreAllMocks());

  it.each([
    [new AccountNotFound('c-7'), 'customer_not_found', 'no account for customer c-7'],
    [new AccountNotFound(), 'customer_not_found', 'no such customer'],
    [new PaymentNotFound('0b7f'), 'payment_not_found', 'no payment for order 0b7f'],
    [new PaymentNotFound(), 'payment_not_found', 'no such payment'],
  ])('%s: 404 %s', (error, code, message) => {
    expect(errorAnswerOf(error)).toEqual({ status: 404, headers: {}, body: { error: { code, message } } });
  });

  it('a payment change the saga does not allow is a 409 conflict, never a 500', () => {
    expect(errorAnswerOf(new IllegalPaymentTransitionError('o-1', 'FAILED', 'REFUNDED'))).toEqual({
      status: 409,
      headers: {},
      body: { error: { code: 'illegal_payment_transition', message: 'payment of o-1: FAILED -> REFUNDED is not legal' } },
    });
  });
});
