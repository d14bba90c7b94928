/**
 * Who vouches for whom, in one place: the customer's access token (signed by identity, checked by the gateway)
 * and the gateway's proof (signed by the gateway per request, checked by each service). Both are JWTs signed
 * with ES256 only; the verifiers pin the algorithm, so `alg: none` and HS* tokens are refused whatever their
 * header says.
 */
export const SIGNING_ALGORITHM = 'ES256';

/** The config center key where identity publishes the public half of its signing keys (a JWKS). */
export const IDENTITY_JWKS_KEY = 'config/identity/jwks';
/** The config center key where each gateway instance publishes the public half of its proof key. */
export const GATEWAY_PROOF_JWKS_KEY = 'config/gateway/proof-jwks';

/** Access tokens: issued by identity for the public API. */
export const ACCESS_TOKEN = { issuer: 'shop-identity', audience: 'shop-api', lifetimeSec: 900 } as const;
/**
 * The gateway's proof: issued per caller and service, `aud` is the service's name so that a proof for order is
 * worthless at payment. Short-lived (a captured one is good for a minute, to one service, as one caller).
 */
export const GATEWAY_PROOF = { issuer: 'shop-gateway', lifetimeSec: 60 } as const;
/** How far clocks may disagree between the signer and the verifier. */
export const CLOCK_TOLERANCE_SEC = 30;

/** People sign in as a customer or an operator. */
export type Role = 'customer' | 'operator';
/**
 * Whom a proof speaks for: a signed-in person, an anonymous visitor (public catalog), or the gateway itself
 * (the console's reads of internal endpoints).
 */
export type CallerRole = Role | 'anonymous' | 'gateway';

export interface Principal {
  /** `c-<n>` for a customer, the operator's user name, `anonymous`, or `gateway`. */
  subject: string;
  role: CallerRole;
}

export const ROLES: readonly CallerRole[] = ['customer', 'operator', 'anonymous', 'gateway'];

/**
 * Whom the gateway vouches for when a machine presents the static ADMIN_TOKEN on the admin API (scripts,
 * deployment jobs): the gateway itself, on the machine's behalf. The console's admin guard accepts it beside an
 * operator, and its audit line says `via: admin-token`.
 */
export const ADMIN_TOKEN_CALLER: Principal = Object.freeze({ subject: 'admin-token', role: 'gateway' });
