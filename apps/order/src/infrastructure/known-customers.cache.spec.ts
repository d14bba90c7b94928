import { KNOWN_CUSTOMER_TTL_MS, KnownCustomersCache, MAX_KNOWN_CUSTOMERS } from './known-customers.cache';

function directory(customers: Iterable<string>) {
  const known = new Set(customers);
  const asked: string[] = [];
  return {
    asked,
    known,
    customerExists: async (id: string) => {
      asked.push(id);
      return known.has(id);
    },
  };
}

describe('KnownCustomersCache', () => {
  it('asks the database once for a customer that exists, then again only after the TTL', async () => {
    let now = 0;
    const db = directory(['c-1']);
    const cache = new KnownCustomersCache(db, () => now);
    expect(await cache.exists('c-1')).toBe(true);
    now += KNOWN_CUSTOMER_TTL_MS - 1;
    expect(await cache.exists('c-1')).toBe(true);
    expect(db.asked).toEqual(['c-1']);
    now += 1;
    expect(await cache.exists('c-1')).toBe(true);
    expect(db.asked).toEqual(['c-1', 'c-1']);
  });

  it('never remembers an unknown customer, so one added to the directory is accepted at once', async () => {
    const db = directory([]);
    const cache = new KnownCustomersCache(db, () => 0);
    expect(await cache.exists('c-7')).toBe(false);
    db.known.add('c-7');
    expect(await cache.exists('c-7')).toBe(true);
  });

  it('forgets a customer that left the directory once its TTL is over', async () => {
    let now = 0;
    const db = directory(['c-1']);
    const cache = new KnownCustomersCache(db, () => now);
    await cache.exists('c-1');
    db.known.delete('c-1');
    now += KNOWN_CUSTOMER_TTL_MS;
    expect(await cache.exists('c-1')).toBe(false);
  });

  it('holds at most MAX_KNOWN_CUSTOMERS, forgetting the oldest first', async () => {
    const ids = Array.from({ length: MAX_KNOWN_CUSTOMERS + 1 }, (_, i) => `c-${i + 1}`);
    const db = directory(ids);
    const cache = new KnownCustomersCache(db, () => 0);
    for (const id of ids) await cache.exists(id);
    db.asked.length = 0;
    await cache.exists(ids[ids.length - 1]!);
    await cache.exists(ids[1]!);
    expect(db.asked).toEqual([]);
    await cache.exists(ids[0]!);
    expect(db.asked).toEqual([ids[0]]);
  });
});
