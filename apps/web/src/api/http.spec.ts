import { describeError, errorFrom, HttpError, parseRetryAfter } from './http';

describe('what the page says about a failed call', () => {
  it('reads the contract error shape and Retry-After', () => {
    const error = errorFrom(429, new Headers({ 'Retry-After': '3' }), { error: { code: 'rate_limited', message: 'policy api-per-ip' } });
    expect(error).toMatchObject({ status: 429, code: 'rate_limited', message: 'policy api-per-ip', retryAfterSeconds: 3 });
    expect(describeError(error)).toBe("Too many requests: the gateway's rate limit turned this one away (policy api-per-ip). Try again in 3 s.");
  });

  it('names an open breaker or a missing instance as unavailable', () => {
    const error = errorFrom(503, new Headers({ 'Retry-After': '5' }), { error: { code: 'circuit_open', message: 'payment is failing fast' } });
    expect(describeError(error)).toBe('Service unavailable: payment is failing fast. Try again in 5 s.');
  });

  it('keeps a non-JSON answer readable', () => {
    const error = errorFrom(502, new Headers(), undefined, '<html>bad gateway</html>');
    expect(error).toMatchObject({ code: 'http_502', message: '<html>bad gateway</html>' });
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('says when no answer came at all', () => {
    expect(describeError(new HttpError(0, 'timeout', 'No answer from /api/products within 10 s'))).toBe('No answer from /api/products within 10 s.');
  });
});
