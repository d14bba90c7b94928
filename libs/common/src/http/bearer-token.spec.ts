import { bearerTokenMatcher } from './bearer-token';

describe('bearerTokenMatcher', () => {
  const matches = bearerTokenMatcher('s3cret-token');

  it('accepts exactly "Bearer <token>"', () => {
    expect(matches('Bearer s3cret-token')).toBe(true);
  });

  it.each([undefined, '', 's3cret-token', 'Bearer s3cret-toke', 'Bearer s3cret-tokenx', 'bearer s3cret-token', 'Basic s3cret-token'])(
    'refuses %p',
    (header) => {
      expect(matches(header)).toBe(false);
    },
  );

  it('refuses to be built without a token (an empty token would accept "Bearer ")', () => {
    expect(() => bearerTokenMatcher('')).toThrow(/must not be empty/);
  });
});
