import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * A check of `Authorization: Bearer <token>` that takes the same time whatever the header holds: both sides
 * are hashed to equal-length digests before a constant-time comparison, so neither the token's length nor
 * its prefix leaks through timing.
 */
export function bearerTokenMatcher(token: string): (authorization: string | undefined) => boolean {
  if (token === '') throw new Error('a bearer token must not be empty');
  const expected = createHash('sha256').update(`Bearer ${token}`).digest();
  return (authorization) => timingSafeEqual(createHash('sha256').update(authorization ?? '').digest(), expected);
}
