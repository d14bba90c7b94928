/**
 * @shop/auth: who may do what, and how each hop knows it (docs/security.md, "Identity and trust").
 *
 * - Signing: `SigningKey` (ES256, the private half never leaves its process), `KeyPublisher` (its public half
 *   into a JWKS in the config center, by compare-and-set, old keys kept until their tokens expire).
 * - Verifying: `TokenVerifier` (local, no network call per token; alg pinned, iss/aud/typ/exp checked), fed by
 *   the config center's push, so a key rotation needs no restart.
 * - Minting the gateway's proof: `ProofMinter` (the gateway per request; the console for internal reads).
 * - Services: `GatewayProofModule` guards every route with the gateway's proof; `@Caller()`, `actingCustomer`,
 *   `mayRead`, `requireInternal` turn the caller into decisions.
 */
export { actingCustomer, mayRead, requireInternal } from './caller-rules';
export { Caller, GATEWAY_PROOF_TYP, GatewayProofGuard, GatewayProofModule } from './gateway-proof.guard';
export { KeyPublisher } from './key-publisher';
export { PROOF_KEY_LEASE_MS, ProofMinter } from './proof-minter';
export type { KeyPublisherOptions, VersionedKv } from './key-publisher';
export { bearerToken, principalOf } from './principal';
export { MAX_PUBLISHED_KEYS, mergePublishedKey, parsePublishedJwks } from './published-keys';
export type { PublishedJwks, PublishedKey } from './published-keys';
export { SigningKey } from './signing-key';
export { TokenRefused, TokenVerifier } from './token-verifier';
export type { KeySource, VerifierOptions } from './token-verifier';
export {
  ACCESS_TOKEN,
  ADMIN_TOKEN_CALLER,
  CLOCK_TOLERANCE_SEC,
  GATEWAY_PROOF,
  GATEWAY_PROOF_JWKS_KEY,
  IDENTITY_JWKS_KEY,
  ROLES,
  SIGNING_ALGORITHM,
} from './trust';
export type { CallerRole, Principal, Role } from './trust';
