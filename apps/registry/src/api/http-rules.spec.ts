import { ApiError } from '@shop/common';
import { MAX_VALUE_BYTES, validateKey, validateName, valueFromBody, waitParam, indexParam } from './http-rules';

const status = (fn: () => unknown): number | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof ApiError ? error.status : -1;
  }
};

describe('registry HTTP rules', () => {
  it('takes {"value": <any JSON>} and keeps the value as JSON text', () => {
    expect(valueFromBody({ value: { a: [1, 'x'] } })).toBe('{"a":[1,"x"]}');
    expect(valueFromBody({ value: null })).toBe('null');
    expect(valueFromBody('{"value": 3}')).toBe('3');
  });

  it('refuses other bodies with 400 and values over 512 KiB with 413', () => {
    expect(status(() => valueFromBody({}))).toBe(400);
    expect(status(() => valueFromBody({ value: 1, extra: 2 }))).toBe(400);
    expect(status(() => valueFromBody([1]))).toBe(400);
    expect(status(() => valueFromBody('{"value": '))).toBe(400);
    expect(status(() => valueFromBody({ value: 'x'.repeat(MAX_VALUE_BYTES) }))).toBe(413);
    expect(status(() => valueFromBody({ value: 'x'.repeat(MAX_VALUE_BYTES - 2) }))).toBeUndefined();
  });

  it('bounds keys at 512 bytes (UTF-8), refuses empty keys and control characters', () => {
    expect(validateKey('config/a/b', { allowEmpty: false })).toBe('config/a/b');
    expect(status(() => validateKey('k'.repeat(512), { allowEmpty: false }))).toBeUndefined();
    expect(status(() => validateKey('é'.repeat(257), { allowEmpty: false }))).toBe(400);
    expect(status(() => validateKey('', { allowEmpty: false }))).toBe(400);
    expect(validateKey('', { allowEmpty: true })).toBe('');
    expect(status(() => validateKey('a\nb', { allowEmpty: false }))).toBe(400);
  });

  it('accepts service and instance names of a safe alphabet only', () => {
    expect(validateName('service', 'order-1.a_b:c')).toBe('order-1.a_b:c');
    expect(status(() => validateName('service', '../etc'))).toBe(400);
    expect(status(() => validateName('service', 'x'.repeat(129)))).toBe(400);
  });

  it('parses waits with units, caps them at 5 minutes, and indexes as non-negative integers', () => {
    expect(waitParam({})).toBe(60_000);
    expect(waitParam({ wait: '500ms' })).toBe(500);
    expect(waitParam({ wait: '30s' })).toBe(30_000);
    expect(waitParam({ wait: '10' })).toBe(10_000);
    expect(waitParam({ wait: '99m' })).toBe(300_000);
    expect(status(() => waitParam({ wait: '-1s' }))).toBe(400);
    expect(indexParam({ index: '42' }, 'index')).toBe(42);
    expect(indexParam({}, 'index')).toBeUndefined();
    expect(status(() => indexParam({ index: '4.2' }, 'index'))).toBe(400);
    expect(status(() => indexParam({ cas: '-1' }, 'cas'))).toBe(400);
  });
});
