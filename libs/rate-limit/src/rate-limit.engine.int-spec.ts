import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { ALLOWANCE_MS } from './allowance/allowance-lifetime';
import { SharedLeakyBucket, SharedLeakyBucketState } from './allowance/shared-leaky-bucket';
import { parseRateLimitPolicies, RateLimitPolicy } from './policy';
import { RateLimitEngine, Verdict } from './rate-limit.engine';
import { RedisRateLimiter } from './redis-rate-limiter';

const REDIS_URL = 'redis://127.0.0.1:6379';
const who = { ip: '203.0.113.7', customer: undefined };
const clients: Redis[] = [];
const prefixes: string[] = [];

function client(url = REDIS_URL): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, enableAutoPipelining: true, maxRetriesPerRequest: 0, retryStrategy: () => 200 });
  redis.on('error', () => undefined);
  clients.push(redis);
  return redis;
}

async function ready(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
}

/** Two gateways: two engines, two connections, one Redis, one key space for this test run. */
async function twoGateways(policies: RateLimitPolicy[]): Promise<[RateLimitEngine, RateLimitEngine]> {
  const prefix = `test:rl:${randomUUID()}:`;
  prefixes.push(prefix);
  const engines = [client(), client()].map((redis) => new RateLimitEngine({ redis, keyPrefix: prefix }));
  await Promise.all(clients.map(ready));
  for (const e of engines) e.setPolicies(policies);
  return engines as [RateLimitEngine, RateLimitEngine];
}

function policy(raw: Record<string, unknown>): RateLimitPolicy {
  return parseRateLimitPolicies([{ name: 'p', key: 'global', ...raw }])[0]!;
}

async function fire(engines: RateLimitEngine[], n: number): Promise<Verdict[]> {
  const calls: Promise<Verdict>[] = [];
  for (let i = 0; i < n; i++) calls.push(Promise.resolve(engines[i % engines.length]!.check('GET', '/api/products', who)!));
  return Promise.all(calls);
}

const admitted = (vs: Verdict[]): number => vs.filter((v) => v.outcome === 'admit').length;

async function redisNowMs(): Promise<number> {
  const [s, us] = await clients[0]!.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

afterAll(async () => {
  const cleaner = clients[0]!;
  for (const prefix of prefixes) {
    const keys = await cleaner.keys(`${prefix}*`);
    if (keys.length > 0) await cleaner.del(...keys);
  }
  await Promise.all(
    clients.map((c) => {
      // A client waiting to reconnect (the closed port) has no socket left: disconnect() only cancels its
      // timer and ioredis emits no 'end' for it, so only a connected client is waited for.
      const connected = c.status === 'ready' || c.status === 'connect' || c.status === 'connecting';
      const ended = connected ? new Promise((resolve) => c.once('end', resolve)) : Promise.resolve();
      c.disconnect();
      return ended;
    }),
  );
});

describe('RateLimitEngine on a real Redis shared by two gateways', () => {
  it.each([
    ['fixed-window', { algorithm: 'fixed-window', limit: 25, windowMs: 60_000 }, 25],
    ['sliding-window', { algorithm: 'sliding-window', limit: 25, windowMs: 60_000 }, 25],
    ['token-bucket', { algorithm: 'token-bucket', capacity: 25, refillPerSec: 0.001 }, 25],
    ['leaky-bucket with a queue', { algorithm: 'leaky-bucket', ratePerSec: 0.001, queue: 24 }, 25],
  ])('%s: the two together never admit more than the limit', async (_name, raw, limit) => {
    const engines = await twoGateways([policy(raw)]);
    const verdicts = await fire(engines, 200);
    expect(admitted(verdicts)).toBe(limit);
    const rejected = verdicts.filter((v) => v.outcome === 'reject');
    expect(rejected).toHaveLength(200 - limit);
    expect(rejected.every((v) => v.retryAfterMs > 0 && v.remaining === 0 && v.limit === limit)).toBe(true);
  });

  it.each([
    ['fixed-window', { algorithm: 'fixed-window', limit: 400, windowMs: 60_000 }],
    ['sliding-window', { algorithm: 'sliding-window', limit: 400, windowMs: 60_000 }],
    ['token-bucket', { algorithm: 'token-bucket', capacity: 400, refillPerSec: 0.001 }],
  ])('%s with allowances (leaseSize 16): the two together never admit more than the limit', async (_name, raw) => {
    const engines = await twoGateways([policy({ ...raw, leaseSize: 16 })]);
    const verdicts: Verdict[] = [];
    // Waves, so that allowances are taken (an allowance follows the demand seen) and then spent without Redis.
    for (let wave = 0; wave < 12; wave++) verdicts.push(...(await fire(engines, 50)));
    const total = admitted(verdicts);
    expect(total).toBeLessThanOrEqual(400);
    // Unspent allowance permits are lost: at most two allowances (the current one, the one taken ahead) per gateway.
    expect(total).toBeGreaterThanOrEqual(400 - 2 * 2 * 16);
    const decidedByRedis = engines.reduce((n, e) => n + e.redisStatus().requestsDecided, 0);
    expect(decidedByRedis).toBeLessThan(verdicts.length);
  });

  it('leaky bucket in queue mode delays the queued requests by multiples of 1/rate', async () => {
    const engines = await twoGateways([policy({ algorithm: 'leaky-bucket', ratePerSec: 10, queue: 3 })]);
    const verdicts = await fire(engines.slice(0, 1), 5);
    expect(verdicts.map((v) => v.outcome)).toEqual(['admit', 'admit', 'admit', 'admit', 'reject']);
    const delays = verdicts.slice(0, 4).map((v) => v.delayMs);
    // Each waits one interval (100 ms) more than the one before, give or take the ms the calls took.
    for (let i = 1; i < 4; i++) expect(Math.abs(delays[i]! - delays[i - 1]! - 100)).toBeLessThanOrEqual(5);
  });

  it('a request refused by one policy spends nothing of the others', async () => {
    const strict = { name: 'strict', key: 'global', algorithm: 'fixed-window', limit: 1, windowMs: 60_000 };
    const loose = { name: 'loose', key: 'global', algorithm: 'fixed-window', limit: 3, windowMs: 60_000 };
    const [engine] = await twoGateways(parseRateLimitPolicies([strict, loose]));
    await fire([engine], 5);
    engine.setPolicies(parseRateLimitPolicies([loose]));
    expect(admitted(await fire([engine], 5))).toBe(2);
  });

  it('fixed window admits 2x the limit across a boundary; the sliding window does not', async () => {
    const limit = 20;
    const fixed = await twoGateways([policy({ algorithm: 'fixed-window', limit, windowMs: 1000 })]);
    const sliding = await twoGateways([policy({ algorithm: 'sliding-window', limit, windowMs: 1000 })]);
    // Start in the last 300 ms of a Redis-clock second, so both bursts fall within one window length.
    while ((await redisNowMs()) % 1000 < 700) await new Promise((r) => setTimeout(r, 20));
    const start = await redisNowMs();
    const first = [...(await fire(fixed, limit)), ...(await fire(sliding, limit))];
    const boundary = start - (start % 1000) + 1000;
    const untilBoundary = boundary - (await redisNowMs()) + 5;
    await new Promise((r) => setTimeout(r, untilBoundary));
    const fixedSecond = await fire(fixed, limit);
    const slidingSecond = await fire(sliding, limit);
    const span = (await redisNowMs()) - start;
    expect(span).toBeLessThan(1000);
    expect(admitted(first)).toBe(2 * limit);
    expect(admitted(fixedSecond)).toBe(limit);
    expect(admitted(slidingSecond)).toBe(0);
  });
});

describe('a fast leaky bucket handed out as outflow shares, on a real Redis shared by two gateways', () => {
  // 32 departures per ms; a gateway's share is at most 1/16 of that (leaseSize 256): 2 per ms.
  const fast = { algorithm: 'leaky-bucket', ratePerSec: 32_000, queue: 50, leaseSize: 256 };

  /** Waits until Redis's clock is clear of an ALLOWANCE_MS epoch's last ms, where no share is granted. */
  async function awayFromEpochEnd(): Promise<void> {
    while ((await redisNowMs()) % ALLOWANCE_MS > ALLOWANCE_MS - 20) await new Promise((r) => setTimeout(r, 5));
  }

  it('the script decides shares exactly as the pure twin: refused over promised departures, at most half the outflow', async () => {
    const redis = client();
    await ready(redis);
    const limiter = new RedisRateLimiter(redis);
    const key = `test:rl:${randomUUID()}:leaky`;
    prefixes.push(key);
    const params = new SharedLeakyBucket().luaArgs({ ratePerSec: 32_000, queue: 50 });
    // A negative want: an outflow share of -want departures per ms.
    const check = (want: number) =>
      limiter.decide([{ key, algorithmCode: 4, params, ask: want < 0 ? 'share' : 'permits', amount: Math.abs(want), shiftMs: 0 }]).then((g) => g[0]!);
    await awayFromEpochEnd();
    // One turn of the event loop: one script call, one Redis instant for all of them.
    const first = await Promise.all([check(-8), check(-9), ...Array.from({ length: 40 }, () => check(1)), check(-1)]);
    const pure = new SharedLeakyBucket();
    const p = { ratePerSec: 32_000, queue: 50 };
    let state: SharedLeakyBucketState | undefined;
    const expected: { delayMs: number; share: number | undefined }[] = [];
    for (const want of [-8, -9, ...Array.from({ length: 40 }, () => 1), -1]) {
      const step = pure.decide(state, 0, p);
      state = step.state;
      let share: number | undefined;
      if (want < 0) {
        const s = pure.share(state, 0, p, -want);
        state = s.state;
        share = s.share.perMs;
      }
      expected.push({ delayMs: step.decision.delayMs, share });
    }
    expect(first.map((g) => ({ delayMs: g.delayMs, share: g.share?.perMs }))).toEqual(expected);
    // The second share would have taken more than half the outflow; the last came after 42 requests had poured more
    // than one ms of the slowed outflow, departures a share must not overtake.
    expect(first.map((g) => g.share?.perMs).filter((x) => x !== undefined)).toEqual([8, 0, 0]);
    expect(first[0]!.share!.forMs).toBeGreaterThan(0);
    expect(first[0]!.share!.forMs).toBeLessThanOrEqual(ALLOWANCE_MS);
  });

  it('a share taken ahead: the script reserves the next epoch exactly as the pure twin, at most half the outflow', async () => {
    const redis = client();
    await ready(redis);
    const limiter = new RedisRateLimiter(redis);
    const key = `test:rl:${randomUUID()}:leaky-ahead`;
    prefixes.push(key);
    const p = { ratePerSec: 32_000, queue: 50 };
    const params = new SharedLeakyBucket().luaArgs(p);
    // A negative want: an outflow share of -want departures per ms (of the next epoch when `ahead`).
    const check = (want: number, ahead = false) =>
      limiter
        .decide([{ key, algorithmCode: 4, params, ask: want > 0 ? 'permits' : ahead ? 'share-next-epoch' : 'share', amount: Math.abs(want), shiftMs: 0 }])
        .then((g) => g[0]!);
    // Within SHARE_AHEAD_MS of the epoch's end, with time to spare for the call.
    const inWindow = (t: number) => t % ALLOWANCE_MS >= ALLOWANCE_MS - 40 && t % ALLOWANCE_MS <= ALLOWANCE_MS - 20;
    while (!inWindow(await redisNowMs())) await new Promise((r) => setTimeout(r, 2));
    const first = await Promise.all([...Array.from({ length: 10 }, () => check(1)), check(-4, true), check(-13, true), check(-12, true)]);
    const startsIn = first[10]!.share!.startsInMs;
    const now = ALLOWANCE_MS - startsIn;
    const pure = new SharedLeakyBucket();
    let state: SharedLeakyBucketState | undefined;
    for (let i = 0; i < 10; i++) state = pure.decide(state, now, p).state;
    const expected = [-4, -13, -12].map((want) => {
      const s = pure.share(state, now, p, -want, true);
      state = s.state ?? state;
      return s.share;
    });
    expect(first.slice(10).map((g) => g.share)).toEqual(expected);
    expect(expected.map((s) => s.perMs)).toEqual([4, 0, 12]);
    // In the next epoch the shared water drains at 32 - 16 per ms: the 17th request of a ms waits 1 ms.
    // The first call's instant lay a round trip (well under ALLOWANCE_MS / 2) before this one: its epoch's end is
    // the multiple of ALLOWANCE_MS nearest to now + startsIn.
    const epochEnd = Math.round(((await redisNowMs()) + startsIn) / ALLOWANCE_MS) * ALLOWANCE_MS;
    while ((await redisNowMs()) <= epochEnd) await new Promise((r) => setTimeout(r, 2));
    const next = await Promise.all(Array.from({ length: 17 }, () => check(1)));
    expect(next.map((g) => g.delayMs)).toEqual([...Array.from({ length: 16 }, () => 0), 1]);
    expect(Number(await redis.hget(key, 'r'))).toBe(16 * 1_000_000);
  });

  it('two gateways spend their shares without Redis, and the reserve in Redis never exceeds half the outflow', async () => {
    const engines = await twoGateways([policy(fast)]);
    const verdicts: Verdict[] = [];
    for (let wave = 0; wave < 20; wave++) {
      verdicts.push(...(await fire(engines, 6)));
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(verdicts.every((v) => v.outcome === 'admit')).toBe(true);
    expect(engines.reduce((n, e) => n + e.redisStatus().decidedFromLeases, 0)).toBeGreaterThan(0);
    const key = (await clients[0]!.keys(`${prefixes[prefixes.length - 1]}*`))[0]!;
    const reserved = Number((await clients[0]!.hget(key, 'r')) ?? 0);
    expect(reserved).toBeLessThanOrEqual((32 * 1_000_000) / 2);
  });

  it('all-or-nothing: a request refused by another policy pours nothing into the leaky bucket, from an allowance or not', async () => {
    const strict = { name: 'strict', key: 'global', algorithm: 'fixed-window', limit: 3, windowMs: 60_000 };
    const [engine] = await twoGateways(parseRateLimitPolicies([strict, { name: 'leaky', key: 'global', ...fast }]));
    const verdicts: Verdict[] = [];
    for (let wave = 0; wave < 5; wave++) verdicts.push(...(await fire([engine], 4)));
    expect(admitted(verdicts)).toBe(3);
    const stats = Object.fromEntries(engine.policies().map((p) => [p.policy.name, p.stats]));
    expect(stats.leaky!.admitted).toBe(3);
    // What Redis holds of the leaky bucket: the water of at most the three admitted requests (less once drained).
    const key = (await clients[0]!.keys(`${prefixes[prefixes.length - 1]}leaky:*`))[0]!;
    expect(Number(await clients[0]!.hget(key, 'l'))).toBeLessThanOrEqual(3 * 1_000_000);
  });
});

describe('RateLimitEngine when Redis is unreachable (a closed port)', () => {
  async function downEngine(onRedisError: string): Promise<RateLimitEngine> {
    const redis = client('redis://127.0.0.1:1');
    await new Promise((r) => setTimeout(r, 50));
    const engine = new RateLimitEngine({ redis, keyPrefix: `test:rl:${randomUUID()}:` });
    engine.setPolicies([policy({ algorithm: 'fixed-window', limit: 3, windowMs: 60_000, onRedisError })]);
    return engine;
  }

  it('open: admits everything, never a 429, and counts the fail-opens', async () => {
    const engine = await downEngine('open');
    const verdicts = await fire([engine], 10);
    expect(verdicts.every((v) => v.outcome === 'admit')).toBe(true);
    expect(engine.policies()[0]!.stats.failedOpen).toBe(10);
    expect(engine.redisStatus().state).not.toBe('ready');
  });

  it('closed: refuses as unavailable (503), never as rate limited (429)', async () => {
    const engine = await downEngine('closed');
    const verdicts = await fire([engine], 10);
    expect(verdicts.every((v) => v.outcome === 'unavailable')).toBe(true);
    expect(engine.policies()[0]!.stats.failedClosed).toBe(10);
  });

  it('local: the in-memory limiter applies the same limit in this process', async () => {
    const engine = await downEngine('local');
    const verdicts = await fire([engine], 10);
    expect(admitted(verdicts)).toBe(3);
    expect(verdicts.filter((v) => v.outcome === 'reject')).toHaveLength(7);
    expect(engine.policies()[0]!.stats.decidedLocally).toBe(10);
  });
});
