import { parseRateLimitPolicies } from './policy';

const base = { name: 'p', algorithm: 'token-bucket', capacity: 10, refillPerSec: 5 };

describe('config/gateway/rate-limits', () => {
  it('fills the defaults: every method, path "/", keyed by IP, fail open', () => {
    expect(parseRateLimitPolicies([base])[0]).toEqual({ ...base, methods: [], pathPrefix: '/', key: 'ip', onRedisError: 'open', leaseSize: 8 });
  });

  it.each([
    [{}, /expected an array/],
    [[base, base], /duplicate name/],
    [[{ ...base, name: 'Has Space' }], /name/],
    [[{ ...base, algorithm: 'random' }], /algorithm/],
    [[{ ...base, key: 'user' }], /key/],
    [[{ ...base, onRedisError: 'retry' }], /onRedisError/],
    [[{ ...base, refillPerSec: 0.0001 }], /refillPerSec/],
    [[{ ...base, refillPerSec: 1.2345 }], /3 decimals/],
    [[{ ...base, match: { methods: ['FETCH'] } }], /methods/],
    [[{ ...base, match: { pathPrefix: 'api' } }], /pathPrefix/],
    [[{ name: 's', algorithm: 'sliding-window', limit: 10_001, windowMs: 1000 }], /limit/],
    [[{ name: 'l', algorithm: 'leaky-bucket', ratePerSec: 1, queue: -1 }], /queue/],
    [[{ name: 'f', algorithm: 'fixed-window', limit: 1.5, windowMs: 1000 }], /limit/],
  ])('refuses %j', (raw, message) => {
    expect(() => parseRateLimitPolicies(raw)).toThrow(message);
  });
});
