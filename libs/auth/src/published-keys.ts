/**
 * The JWKS a signer publishes in the config center: RFC 7517 public keys (EC P-256 only) with three members of
 * our own that let several signers share one document without a coordinator:
 *   owner       the instance that holds the private half (it alone replaces its own keys)
 *   leaseUntil  ms since the epoch; the owner renews it while it lives, so a dead instance's key goes away
 *   retireAt    set when the owner rotated away from the key: it stays until every token it signed expired
 */
export interface PublishedKey {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
  owner: string;
  leaseUntil: number;
  retireAt?: number;
}

export interface PublishedJwks {
  keys: PublishedKey[];
}

/** A JWKS holds at most this many keys: a bound on what a verifier imports and on the config value's size. */
export const MAX_PUBLISHED_KEYS = 16;

const B64URL = /^[A-Za-z0-9_-]{1,128}$/;
const KID = /^[A-Za-z0-9._-]{1,64}$/;

/** Validates a config value as a JWKS of ES256 public keys; throws (so LiveConfig keeps the previous value). */
export function parsePublishedJwks(raw: unknown): PublishedJwks {
  if (typeof raw !== 'object' || raw === null || !Array.isArray((raw as { keys?: unknown }).keys)) throw new Error('expected {"keys": [...]}');
  const list = (raw as { keys: unknown[] }).keys;
  if (list.length > MAX_PUBLISHED_KEYS) throw new Error(`at most ${MAX_PUBLISHED_KEYS} keys`);
  const keys = list.map((k, i) => {
    const key = k as Partial<PublishedKey> & { d?: unknown };
    if (typeof key !== 'object' || key === null) throw new Error(`keys[${i}] is not an object`);
    if ('d' in key) throw new Error(`keys[${i}] holds a private key: refused`);
    if (key.kty !== 'EC' || key.crv !== 'P-256' || key.alg !== 'ES256') throw new Error(`keys[${i}] must be an EC P-256 key for ES256`);
    if (typeof key.x !== 'string' || !B64URL.test(key.x) || typeof key.y !== 'string' || !B64URL.test(key.y)) throw new Error(`keys[${i}] has malformed x or y`);
    if (typeof key.kid !== 'string' || !KID.test(key.kid)) throw new Error(`keys[${i}] has a malformed kid`);
    if (typeof key.owner !== 'string' || key.owner.length === 0 || key.owner.length > 128) throw new Error(`keys[${i}] has no owner`);
    if (typeof key.leaseUntil !== 'number' || (key.retireAt !== undefined && typeof key.retireAt !== 'number')) throw new Error(`keys[${i}] has malformed times`);
    const out: PublishedKey = { kty: 'EC', crv: 'P-256', x: key.x, y: key.y, kid: key.kid, alg: 'ES256', use: 'sig', owner: key.owner, leaseUntil: key.leaseUntil };
    if (key.retireAt !== undefined) out.retireAt = key.retireAt;
    return out;
  });
  return { keys };
}

/**
 * The owner's new document: its `active` key first; its other keys still listed kept until `retireAt` (set now
 * to `now + retainMs` when they are first retired); other owners' keys kept while their lease runs. Anything
 * past its time is dropped, and beyond MAX_PUBLISHED_KEYS the ones ending soonest go.
 */
export function mergePublishedKey(current: PublishedJwks | undefined, active: PublishedKey, now: number, retainMs: number): PublishedJwks {
  const others: PublishedKey[] = [];
  for (const key of current?.keys ?? []) {
    if (key.kid === active.kid) continue;
    let next = key;
    if (key.owner === active.owner && key.retireAt === undefined) next = { ...key, retireAt: now + retainMs };
    const end = next.retireAt ?? next.leaseUntil;
    if (end > now) others.push(next);
  }
  others.sort((a, b) => (b.retireAt ?? b.leaseUntil) - (a.retireAt ?? a.leaseUntil));
  return { keys: [active, ...others.slice(0, MAX_PUBLISHED_KEYS - 1)] };
}
