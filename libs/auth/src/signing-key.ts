import { generateKeyPairSync, KeyObject, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { JWTPayload } from 'jose';
import type { PublishedKey } from './published-keys';
import { SIGNING_ALGORITHM } from './trust';

/** A private key that never leaves the process that generated it, and its public half as published. */
export class SigningKey {
  private constructor(
    readonly kid: string,
    private readonly privateKey: KeyObject,
    private readonly publicJwk: { x: string; y: string },
  ) {}

  /** A fresh P-256 key pair (synchronous: about a millisecond, once per start or rotation). */
  static generate(): SigningKey {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    if (!jwk.x || !jwk.y) throw new Error('generated key has no public coordinates');
    // 96 random bits: unique across instances and restarts without coordination.
    return new SigningKey(randomBytes(12).toString('base64url'), privateKey, { x: jwk.x, y: jwk.y });
  }

  published(owner: string, leaseUntil: number): PublishedKey {
    return { kty: 'EC', crv: 'P-256', ...this.publicJwk, kid: this.kid, alg: 'ES256', use: 'sig', owner, leaseUntil };
  }

  /** A compact JWS with `kid` in its header; `claims` must carry what the verifier checks (iss, aud, sub, exp). */
  sign(claims: JWTPayload, typ: string): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: this.kid, typ }).sign(this.privateKey);
  }
}
