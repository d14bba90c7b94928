import { KeyPublisher, VersionedKv } from './key-publisher';
import { MAX_PUBLISHED_KEYS, mergePublishedKey, parsePublishedJwks, PublishedJwks } from './published-keys';
import { SigningKey } from './signing-key';

const NOW = 1_000_000;

describe('the published JWKS', () => {
  it('keeps a retired key of the same owner until its tokens have expired, and other owners while their lease runs', () => {
    const a1 = SigningKey.generate().published('a', NOW + 60_000);
    const b1 = SigningKey.generate().published('b', NOW + 60_000);
    const a2 = SigningKey.generate().published('a', NOW + 60_000);
    const merged = mergePublishedKey({ keys: [a1, b1] }, a2, NOW, 10_000);
    expect(merged.keys.map((k) => k.kid)).toEqual([a2.kid, b1.kid, a1.kid]);
    expect(merged.keys.find((k) => k.kid === a1.kid)?.retireAt).toBe(NOW + 10_000);
    // After the retention, the retired key is gone; after its lease, a dead owner's key too.
    const later = mergePublishedKey(merged, a2, NOW + 10_001, 10_000);
    expect(later.keys.map((k) => k.kid)).toEqual([a2.kid, b1.kid]);
    expect(mergePublishedKey(later, a2, NOW + 60_001, 10_000).keys.map((k) => k.kid)).toEqual([a2.kid]);
  });

  it('holds at most MAX_PUBLISHED_KEYS keys', () => {
    const many: PublishedJwks = { keys: Array.from({ length: MAX_PUBLISHED_KEYS + 3 }, (_, i) => SigningKey.generate().published(`o${i}`, NOW + 1000 + i)) };
    expect(mergePublishedKey(many, SigningKey.generate().published('me', NOW + 5000), NOW, 1000).keys).toHaveLength(MAX_PUBLISHED_KEYS);
  });

  it('refuses a private key, another algorithm or a malformed key', () => {
    const key = SigningKey.generate().published('a', NOW);
    expect(() => parsePublishedJwks({ keys: [{ ...key, d: 'secret' }] })).toThrow(/private/);
    expect(() => parsePublishedJwks({ keys: [{ ...key, alg: 'HS256' }] })).toThrow(/ES256/);
    expect(() => parsePublishedJwks({ keys: [{ ...key, kid: 'a b' }] })).toThrow(/kid/);
    expect(parsePublishedJwks({ keys: [key] })).toEqual({ keys: [key] });
  });

  it('publishes by compare-and-set: a concurrent write is read again and kept', async () => {
    let stored: { value: unknown; modIndex: number } | undefined;
    const other = SigningKey.generate().published('other', Date.now() + 60_000);
    let raced = false;
    const kv: VersionedKv = {
      read: async () => stored,
      writeIfUnchanged: async (_key, value, modIndex) => {
        if (!raced) {
          // Another instance wrote between our read and our write.
          raced = true;
          stored = { value: { keys: [other] }, modIndex: 7 };
          return false;
        }
        if ((stored?.modIndex ?? 0) !== modIndex) return false;
        stored = { value, modIndex: modIndex + 1 };
        return true;
      },
    };
    const mine = SigningKey.generate();
    await new KeyPublisher({ kv, configKey: 'config/x/jwks', owner: 'me', retainMs: 1000, leaseMs: 60_000 }).publish(mine);
    expect((stored!.value as PublishedJwks).keys.map((k) => k.kid)).toEqual([mine.kid, other.kid]);
  });
});
