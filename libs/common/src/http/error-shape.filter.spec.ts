import { errorAnswerOf } from '@shop/testing';
import { ApplicationError, Conflict, Unavailable } from '../errors/application-error';

describe('ErrorShapeFilter', () => {
  beforeAll(() => jest.spyOn(process.stdout, 'write').mockImplementation(() => true));
  afterAll(() => jest.restoreAllMocks());

  it("answers an application error with its kind's status, its code and message, and Retry-After", () => {
    expect(errorAnswerOf(new Conflict('idempotency_key_in_flight', 'a request with this Idempotency-Key is still being processed', 1))).toEqual({
      status: 409,
      headers: { 'Retry-After': '1' },
      body: { error: { code: 'idempotency_key_in_flight', message: 'a request with this Idempotency-Key is still being processed' } },
    });
    expect(errorAnswerOf(new Unavailable('price_list_loading', 'retry'))).toMatchObject({ status: 503, headers: { 'Retry-After': '1' } });
  });

  it("answers an error nobody mapped with the contract's 500 shape, and tells nothing of it", () => {
    class Unmapped extends ApplicationError {}
    for (const error of [new TypeError("Cannot read properties of undefined (reading 'id')"), new Unmapped('secret_code', 'secret detail')]) {
      expect(errorAnswerOf(error)).toEqual({ status: 500, headers: {}, body: { error: { code: 'internal', message: 'internal error' } } });
    }
  });
});
