import { errorAnswerOf } from '@shop/testing';
import {
  CustomerNotFound,
  IdempotencyKeyInFlight,
  IdempotencyKeyMissing,
  IdempotencyKeyOfAnotherCustomer,
  IdempotencyKeyReused,
  IdempotencyKeyUnknown,
  IdempotencyStoreUnavailable,
  OrderNotFound,
  PriceListLoading,
  UnknownSku,
} from '../application/order.errors';
import { IllegalOrderTransitionError, InvalidOrderError } from '../domain/order';

/** What a client of POST/GET /orders is told for each refusal (docs/consistency.md; ARCHITECTURE's contract). */
describe("order's refusals on the wire", () => {
  beforeAll(() => jest.spyOn(process.stdout, 'write').mockImplementation(() => true));
  afterAll(() => jest.restoreAllMocks());

  it.each([
    [new IdempotencyKeyMissing(), 400, 'idempotency_key_missing', 'the Idempotency-Key header is required (POST /orders/tokens issues one)', {}],
    [new IdempotencyKeyUnknown(), 400, 'idempotency_key_unknown', 'the Idempotency-Key is unknown or expired', {}],
    [new IdempotencyKeyOfAnotherCustomer(), 400, 'idempotency_key_wrong_customer', 'the Idempotency-Key was issued for another customer', {}],
    [new IdempotencyKeyInFlight(), 409, 'idempotency_key_in_flight', 'a request with this Idempotency-Key is still being processed', { 'Retry-After': '1' }],
    [new IdempotencyKeyReused(), 422, 'idempotency_key_reused', 'this Idempotency-Key was used with another request body', {}],
    [
      new IdempotencyStoreUnavailable(),
      503,
      'idempotency_store_unavailable',
      'orders cannot be accepted right now; retry (with the same key, if you have one)',
      { 'Retry-After': '1' },
    ],
    [new PriceListLoading(), 503, 'price_list_loading', 'the price list is still being loaded from the catalog; retry with the same key', { 'Retry-After': '1' }],
    [new UnknownSku(['SKU-9998', 'SKU-9999']), 400, 'unknown_sku', 'unknown sku: SKU-9998, SKU-9999', {}],
    [new CustomerNotFound('c-999'), 404, 'customer_not_found', 'unknown customer c-999', {}],
    [new OrderNotFound('0b7f'), 404, 'order_not_found', 'no order 0b7f', {}],
  ])('%s: %i %s', (error, status, code, message, headers) => {
    expect(errorAnswerOf(error)).toEqual({ status, headers, body: { error: { code, message } } });
  });

  it("answers the aggregate's refusals as the client's mistake or a conflict, never as a 500", () => {
    expect(errorAnswerOf(new IllegalOrderTransitionError('o-1', 'CONFIRMED', 'PENDING'))).toEqual({
      status: 409,
      headers: {},
      body: { error: { code: 'illegal_order_transition', message: 'order o-1: CONFIRMED -> PENDING is not a legal transition' } },
    });
    expect(errorAnswerOf(new InvalidOrderError('sku SKU-1 appears on more than one line'))).toEqual({
      status: 400,
      headers: {},
      body: { error: { code: 'invalid_order', message: 'sku SKU-1 appears on more than one line' } },
    });
  });
});
