import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { IdempotencyTokenStore } from './idempotency-token.store';

// Real Redis on 127.0.0.1:6379; every key of this run carries its own prefix and is deleted afterwards.
const prefix = `test:idem:${randomUUID()}:`;
const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
const options = { tokenTtlMs: 60_000, processingLeaseMs: 300, doneRetentionMs: 60_000, keyPrefix: prefix };
const store = new IdempotencyTokenStore(redis, options);
const created = { status: 201, body: { id: 'o-1', status: 'PENDING' } };

beforeAll(() => redis.connect());
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('idempotency token store (real Redis)', () => {
  it('lets the first request start and replays its stored response to a retry with the same body', async () => {
    const { token, expiresAt } = await store.issue('c-1');
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    expect(await store.begin(token, 'c-1', 'h1')).toEqual({ kind: 'started' });
    expect(await store.complete(token, 'h1', created)).toEqual({ kind: 'completed' });
    expect(await store.begin(token, 'c-1', 'h1')).toEqual({ kind: 'replay', response: created });
  });

  it('answers in_flight while the first request holds the token, and mismatch for another body', async () => {
    const { token } = await store.issue('c-1');
    await store.begin(token, 'c-1', 'h1');
    expect(await store.begin(token, 'c-1', 'h1')).toEqual({ kind: 'in_flight' });
    expect(await store.begin(token, 'c-1', 'h2')).toEqual({ kind: 'mismatch' });
    await store.complete(token, 'h1', created);
    expect(await store.begin(token, 'c-1', 'h2')).toEqual({ kind: 'mismatch' });
  });

  it('refuses unknown tokens, malformed tokens and tokens of another customer', async () => {
    expect(await store.begin('A'.repeat(24), 'c-1', 'h')).toEqual({ kind: 'unknown' });
    expect(await store.begin('bad token!', 'c-1', 'h')).toEqual({ kind: 'unknown' });
    const { token } = await store.issue('c-1');
    expect(await store.begin(token, 'c-2', 'h')).toEqual({ kind: 'wrong_customer' });
  });

  it('keeps the token state after use (never deleted), with the retention TTL', async () => {
    const { token } = await store.issue('c-1');
    await store.begin(token, 'c-1', 'h1');
    await store.complete(token, 'h1', created);
    expect(await redis.hget(`${prefix}${token}`, 'state')).toBe('done');
    expect(await redis.pttl(`${prefix}${token}`)).toBeGreaterThan(50_000);
  });

  it('lets a retry take over a token whose processing lease ran out (the first request crashed)', async () => {
    const { token } = await store.issue('c-1');
    await store.begin(token, 'c-1', 'h1');
    await new Promise((resolve) => setTimeout(resolve, options.processingLeaseMs + 50));
    expect(await store.begin(token, 'c-1', 'h2')).toEqual({ kind: 'mismatch' });
    expect(await store.begin(token, 'c-1', 'h1')).toEqual({ kind: 'started' });
  });

  it('keeps the token of a request still running past its lease: holdWhile renews it, so a retry meanwhile is told in_flight', async () => {
    // A lease of 1.5 s renewed every 0.5 s; the work outlasts two leases.
    const renewing = new IdempotencyTokenStore(redis, { ...options, processingLeaseMs: 1500 });
    const { token } = await renewing.issue('c-1');
    await renewing.begin(token, 'c-1', 'h1');
    const seenByRetry = await renewing.holdWhile(token, 'h1', async () => {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      return renewing.begin(token, 'c-1', 'h1');
    });
    expect(seenByRetry).toEqual({ kind: 'in_flight' });
    expect(await renewing.complete(token, 'h1', created)).toEqual({ kind: 'completed' });
  });

  it('gives the stored answer to a late completer after another request finished first', async () => {
    const { token } = await store.issue('c-1');
    await store.begin(token, 'c-1', 'h1');
    await store.complete(token, 'h1', created);
    expect(await store.complete(token, 'h1', { status: 201, body: { id: 'o-2' } })).toEqual({ kind: 'already_done', response: created });
  });

  it('releases a processing token back to new so the same key can be retried after a failure that wrote nothing', async () => {
    const { token } = await store.issue('c-1');
    await store.begin(token, 'c-1', 'h1');
    expect(await store.release(token, 'h2')).toBe('not_owner');
    expect(await store.release(token, 'h1')).toBe('released');
    expect(await store.begin(token, 'c-1', 'h2')).toEqual({ kind: 'started' });
  });

  it('lets exactly one of 50 concurrent requests with one key start', async () => {
    const { token } = await store.issue('c-1');
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => store.begin(token, 'c-1', 'h1')));
    expect(outcomes.filter((o) => o.kind === 'started')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'in_flight')).toHaveLength(49);
  });

  it('expires an unused token after its TTL', async () => {
    const shortLived = new IdempotencyTokenStore(redis, { ...options, tokenTtlMs: 100 });
    const { token } = await shortLived.issue('c-1');
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await shortLived.begin(token, 'c-1', 'h1')).toEqual({ kind: 'unknown' });
  });
});
