import { ApplicationError, Conflict, Forbidden, Invalid, Mismatch, NotFound, Throttled, Unauthenticated, Unavailable } from '../errors/application-error';
import { httpAnswerOf } from './error-status.table';

class UnknownSku extends Invalid {
  constructor(sku: string) {
    super('unknown_sku', `unknown sku: ${sku}`);
  }
}

describe('the application errors table', () => {
  it.each([
    ['Invalid', new Invalid('idempotency_key_missing', 'm'), 400],
    ['Unauthenticated', new Unauthenticated('invalid_credentials', 'm'), 401],
    ['Forbidden', new Forbidden('forbidden', 'm'), 403],
    ['NotFound', new NotFound('order_not_found', 'm'), 404],
    ['Conflict', new Conflict('idempotency_key_in_flight', 'm'), 409],
    ['Mismatch', new Mismatch('idempotency_key_reused', 'm'), 422],
    ['Throttled', new Throttled('too_many_attempts', 'm', 30), 429],
    ['Unavailable', new Unavailable('price_list_loading', 'm'), 503],
  ])('%s answers %i with its own code and message', (_kind, error, status) => {
    expect(httpAnswerOf(error)).toMatchObject({ status, code: error.code, message: 'm' });
  });

  it("maps an app's own error by the kind it extends", () => {
    expect(httpAnswerOf(new UnknownSku('SKU-9'))).toEqual({ status: 400, code: 'unknown_sku', message: 'unknown sku: SKU-9', headers: {} });
  });

  it('says when to retry: Retry-After from retryAfterSec, 1 s by default for Unavailable, none otherwise', () => {
    expect(httpAnswerOf(new Unavailable('idempotency_store_unavailable', 'm'))!.headers).toEqual({ 'Retry-After': '1' });
    expect(httpAnswerOf(new Throttled('too_many_attempts', 'm', 42))!.headers).toEqual({ 'Retry-After': '42' });
    expect(httpAnswerOf(new Conflict('idempotency_key_in_flight', 'm', 1))!.headers).toEqual({ 'Retry-After': '1' });
    expect(httpAnswerOf(new NotFound('order_not_found', 'm'))!.headers).toEqual({});
  });

  it('knows nothing of a kind outside the table', () => {
    class Unmapped extends ApplicationError {}
    expect(httpAnswerOf(new Unmapped('x', 'm'))).toBeUndefined();
  });
});
