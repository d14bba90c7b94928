import type { JWTPayload } from 'jose';
import { CallerRole, Principal, ROLES } from './trust';
import { TokenRefused } from './token-verifier';

/** The caller a verified token speaks for: its `sub` and its `role` claim, which must be one we know. */
export function principalOf(claims: JWTPayload): Principal {
  const role = claims['role'];
  if (typeof claims.sub !== 'string' || claims.sub.length === 0 || claims.sub.length > 128) throw new TokenRefused('token has no subject');
  if (typeof role !== 'string' || !ROLES.includes(role as CallerRole)) throw new TokenRefused('token has no known role');
  return { subject: claims.sub, role: role as CallerRole };
}

/** `Authorization: Bearer <token>` -> the token; anything else -> undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization.length > 8192) return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(authorization.trim());
  return match?.[1];
}
