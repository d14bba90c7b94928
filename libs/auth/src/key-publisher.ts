import { mergePublishedKey, parsePublishedJwks, PublishedJwks } from './published-keys';
import type { SigningKey } from './signing-key';

/** What publishing needs from the config center: a read with its version and a compare-and-set write. */
export interface VersionedKv {
  read(key: string): Promise<{ value: unknown; modIndex: number } | undefined>;
  /** Writes only if the key's modIndex is still `modIndex` (0: only if absent); false when someone else wrote. */
  writeIfUnchanged(key: string, value: unknown, modIndex: number): Promise<boolean>;
}

export interface KeyPublisherOptions {
  kv: VersionedKv;
  /** The config key of the JWKS (IDENTITY_JWKS_KEY, GATEWAY_PROOF_JWKS_KEY). */
  configKey: string;
  /** This instance: it replaces only its own keys. */
  owner: string;
  /** How long a retired key stays published: the longest lifetime of a token it signed, plus clock skew. */
  retainMs: number;
  /** How long a published key lives without renewal (a dead owner's key goes away after it). */
  leaseMs: number;
  now?: () => number;
}

/** Compare-and-set attempts before giving up (other writers of the same JWKS racing with us). */
const MAX_ATTEMPTS = 8;

/**
 * Publishes this instance's active signing key into a shared JWKS in the config center, by compare-and-set so
 * that instances publishing at once (gateways starting together) never lose each other's keys. Verifiers
 * watch the key and pick the change up within a second; no restart anywhere.
 */
export class KeyPublisher {
  private readonly now: () => number;

  constructor(private readonly options: KeyPublisherOptions) {
    this.now = options.now ?? Date.now;
  }

  async publish(active: SigningKey): Promise<PublishedJwks> {
    const { kv, configKey, owner, retainMs, leaseMs } = this.options;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await kv.read(configKey);
      let parsed: PublishedJwks | undefined;
      try {
        parsed = current === undefined ? undefined : parsePublishedJwks(current.value);
      } catch {
        parsed = undefined; // an invalid document is replaced by a valid one
      }
      const now = this.now();
      const next = mergePublishedKey(parsed, active.published(owner, now + leaseMs), now, retainMs);
      if (await kv.writeIfUnchanged(configKey, next, current?.modIndex ?? 0)) return next;
    }
    throw new Error(`could not publish ${configKey}: ${MAX_ATTEMPTS} concurrent writes in a row`);
  }
}
