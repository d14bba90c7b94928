import { errors, importJWK, jwtVerify } from 'jose';
import type { CryptoKey, JWTPayload, JWTHeaderParameters } from 'jose';
import type { PublishedJwks } from './published-keys';
import { CLOCK_TOLERANCE_SEC, SIGNING_ALGORITHM } from './trust';

/** Where the verifier's keys come from: a config center subscription (LiveConfig) or a fixed set in tests. */
export interface KeySource {
  get(): PublishedJwks;
  onChange(cb: (value: PublishedJwks) => void): () => void;
}

export interface VerifierOptions {
  issuer: string;
  audience: string;
  /** The JWT `typ` header the signer sets (an access token is no proof, and a proof no access token). */
  typ: string;
}

/** Why a token was refused, for the log (the client only ever hears "unauthorized"). */
export class TokenRefused extends Error {}

/**
 * Verifies compact JWS tokens locally against the published keys (no network call per token): the signature
 * by the key its `kid` names, `alg` pinned to ES256 (so `none` and HS256 are refused before any key is
 * looked at), `iss`, `aud`, `typ`, `exp` with a small clock tolerance. Keys are imported once per change of
 * the JWKS, so a rotation takes effect when the config center pushes it.
 */
export class TokenVerifier {
  private keys = new Map<string, Promise<CryptoKey>>();

  constructor(
    private readonly source: KeySource,
    private readonly options: VerifierOptions,
  ) {
    this.importAll(source.get());
    source.onChange((jwks) => this.importAll(jwks));
  }

  /** The kids a token may be signed with right now. */
  kids(): string[] {
    return [...this.keys.keys()];
  }

  async verify(token: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, (header: JWTHeaderParameters) => this.keyFor(header), {
        algorithms: [SIGNING_ALGORITHM],
        issuer: this.options.issuer,
        audience: this.options.audience,
        typ: this.options.typ,
        clockTolerance: CLOCK_TOLERANCE_SEC,
        requiredClaims: ['exp', 'sub', 'iat'],
      });
      return payload;
    } catch (error) {
      if (error instanceof errors.JOSEError || error instanceof TokenRefused) throw new TokenRefused(error.message);
      throw error;
    }
  }

  private keyFor(header: JWTHeaderParameters): Promise<CryptoKey> {
    const key = header.kid === undefined ? undefined : this.keys.get(header.kid);
    if (!key) throw new TokenRefused(`unknown signing key ${String(header.kid).slice(0, 64)}`);
    return key;
  }

  private importAll(jwks: PublishedJwks): void {
    const next = new Map<string, Promise<CryptoKey>>();
    for (const k of jwks.keys) {
      const imported = this.keys.get(k.kid) ?? (importJWK({ kty: k.kty, crv: k.crv, x: k.x, y: k.y }, SIGNING_ALGORITHM) as Promise<CryptoKey>);
      // A key that will not import is a refused token later, never an unhandled rejection now.
      imported.catch(() => undefined);
      next.set(k.kid, imported);
    }
    this.keys = next;
  }
}
