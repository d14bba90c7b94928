import { switchAlgorithm } from './rate-limit-policy';

describe('switching a rate limit policy to another algorithm', () => {
  const fixed = { name: 'orders', match: { pathPrefix: '/api/orders' }, key: 'ip', algorithm: 'fixed-window', limit: 20, windowMs: 2000 };

  it('keeps the budget about the same and drops the old parameters', () => {
    expect(switchAlgorithm(fixed, 'token-bucket')).toEqual({ name: 'orders', match: { pathPrefix: '/api/orders' }, key: 'ip', algorithm: 'token-bucket', capacity: 20, refillPerSec: 10 });
    expect(switchAlgorithm(fixed, 'leaky-bucket')).toEqual({ name: 'orders', match: { pathPrefix: '/api/orders' }, key: 'ip', algorithm: 'leaky-bucket', ratePerSec: 10, queue: 0 });
  });

  it('goes back from a bucket to a window', () => {
    const bucket = switchAlgorithm(fixed, 'token-bucket');
    expect(switchAlgorithm(bucket, 'sliding-window')).toMatchObject({ algorithm: 'sliding-window', limit: 20, windowMs: 1000 });
    expect(switchAlgorithm(bucket, 'sliding-window')).not.toHaveProperty('capacity');
  });

  it('keeps rates within the 3 decimals the gateway accepts', () => {
    const odd = switchAlgorithm({ name: 'x', algorithm: 'fixed-window', limit: 1, windowMs: 3000 }, 'token-bucket');
    expect(odd.refillPerSec).toBe(0.333);
  });
});
