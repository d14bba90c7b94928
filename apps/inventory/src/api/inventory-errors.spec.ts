import { errorAnswerOf } from '@shop/testing';
import { ProductNotFound } from '../application/inventory.errors';
import { IllegalReservationTransitionError } from '../domain/stock';

/** What a client of inventory is told for each refusal. */
describe("inventory's refusals on the wire", () => {
  beforeAll(() => jest.spyOn(process.stdout, 'write').mockImplementation(() => true));
  afterAll(() => jest.restoreAllMocks());

  it('an unknown product is 404 product_not_found, naming at most 64 characters of what was asked', () => {
    expect(errorAnswerOf(new ProductNotFound('SKU-9999'))).toEqual({ status: 404, headers: {}, body: { error: { code: 'product_not_found', message: 'no product SKU-9999' } } });
    expect((errorAnswerOf(new ProductNotFound('x'.repeat(500))).body as { error: { message: string } }).error.message).toBe(`no product ${'x'.repeat(64)}`);
  });

  it('a reservation change the saga does not allow is a 409 conflict, never a 500', () => {
    expect(errorAnswerOf(new IllegalReservationTransitionError('o-1', 'RELEASED', 'SOLD'))).toEqual({
      status: 409,
      headers: {},
      body: { error: { code: 'illegal_reservation_transition', message: 'reservation of o-1: RELEASED -> SOLD is not legal' } },
    });
  });
});
