import { GATEWAY_PROOF, GATEWAY_PROOF_JWKS_KEY, IDENTITY_JWKS_KEY, KeyPublisher, parsePublishedJwks, PROOF_KEY_LEASE_MS, ProofMinter, PublishedJwks, TokenVerifier } from '@shop/auth';
import { bearerTokenMatcher, createLogger } from '@shop/common';
import type { DiscoverySource } from '../discovery/discovery.source';
import { RegistryDiscovery } from '../discovery/registry.discovery';
import type { RouteTable } from '@shop/contracts';
import { ACCESS_VERIFIER_OPTIONS, EdgeAuth } from './edge-auth';


const NO_KEYS: PublishedJwks = { keys: [] };

/**
 * Wires the gateway's identity parts to its discovery source: identity's public keys in (watched), the
 * gateway's own proof key out (published by compare-and-set under this instance's id).
 */
export function createEdgeAuth(discovery: DiscoverySource, instanceId: string, routes: () => RouteTable, adminToken: string): EdgeAuth {
  const logger = createLogger('edge-auth');
  const identityKeys = discovery.watchConfig(IDENTITY_JWKS_KEY, parsePublishedJwks, NO_KEYS);
  const publisher =
    discovery instanceof RegistryDiscovery
      ? new KeyPublisher({
          kv: discovery.client.kv,
          configKey: GATEWAY_PROOF_JWKS_KEY,
          owner: instanceId,
          // A proof lives 60 s: a restarted gateway's previous key stays twice that, for proofs still in flight.
          retainMs: 2 * GATEWAY_PROOF.lifetimeSec * 1000,
          leaseMs: PROOF_KEY_LEASE_MS,
        })
      : undefined;
  return new EdgeAuth(
    new TokenVerifier(identityKeys, ACCESS_VERIFIER_OPTIONS),
    new ProofMinter(publisher, logger),
    routes,
    logger,
    (cb) => identityKeys.onChange(() => cb()),
    adminToken ? bearerTokenMatcher(adminToken) : () => false,
  );
}
