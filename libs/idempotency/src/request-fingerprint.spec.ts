import { canonicalJson, requestFingerprint } from './request-fingerprint';

describe('request fingerprint', () => {
  it('is the same for the same body with keys in another order', () => {
    const a = { customerId: 'c-1', items: [{ sku: 'SKU-1', quantity: 2 }] };
    const b = { items: [{ quantity: 2, sku: 'SKU-1' }], customerId: 'c-1' };
    expect(requestFingerprint(a)).toBe(requestFingerprint(b));
  });

  it('differs when a quantity differs', () => {
    const a = { customerId: 'c-1', items: [{ sku: 'SKU-1', quantity: 2 }] };
    const b = { customerId: 'c-1', items: [{ sku: 'SKU-1', quantity: 3 }] };
    expect(requestFingerprint(a)).not.toBe(requestFingerprint(b));
  });

  it('keeps the order of array elements', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  it('renders nested objects canonically', () => {
    expect(canonicalJson({ b: 1, a: { d: null, c: 'x' } })).toBe('{"a":{"c":"x","d":null},"b":1}');
  });
});
