import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import Redis, { ChainableCommander } from 'ioredis';
import { algorithmOf } from './algorithm-table';
import { ALLOWANCE_MS } from './allowance/allowance-lifetime';
import { Ask, Grant, grantAllowance } from './allowance/allowance';
import { parseRateLimitPolicies, RateLimitPolicy } from './policy';
import { RedisRateLimiter } from './redis-rate-limiter';

// A property runs a few hundred script calls (about a second); the limit only guards a stuck Redis, and a test
// that timed out would keep moving the shared clock under the next one.
jest.setTimeout(60_000);

const redis = new Redis('redis://127.0.0.1:6379');
/** The instant the script decides at (its test seam): the test moves it, Redis's TIME is not used. */
let clock = 0;
/** Each key's expiry (PTTL) right after the last script call that wrote it; -1: that call did not write it. */
const ttls = new Map<string, number>();

/**
 * The limiter's Redis, except that each script call's keys are read (PTTL) and made persistent (PERSIST) in the
 * same transaction: an expiry is set in Redis's real ms, which this test's clock does not follow, so a key could
 * otherwise vanish while the twin still counts its state (a fixed window's key lives 1 ms at its window's end).
 */
const persistent = {
  defineCommand: redis.defineCommand.bind(redis),
  async shopRateLimit(numKeys: number, ...args: (string | number)[]): Promise<number[]> {
    const keys = args.slice(0, numKeys) as string[];
    const transaction = (redis.multi() as unknown as { shopRateLimit(...a: unknown[]): ChainableCommander }).shopRateLimit(numKeys, ...args);
    for (const key of keys) transaction.pttl(key).persist(key);
    const results = (await transaction.exec())!;
    for (const [error] of results) if (error) throw error;
    keys.forEach((key, i) => ttls.set(key, results[1 + 2 * i]![1] as number));
    return results[0]![1] as number[];
  },
};
const limiter = new RedisRateLimiter(persistent as unknown as Redis, () => clock);
const prefix = `test:rl-twin:${randomUUID()}:`;

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

/**
 * One script call: the clock moves by `dt` ms, then requests for one key, each asking for `wants[i]` permits (1: a
 * plain request, more: an allowance), all decided in that one call, in order. `shifted`: the sliding log records them
 * ALLOWANCE_MS ahead (as for a policy with allowances); a run that mixes both is a policy change, whose entries are not in time
 * order.
 */
interface Call {
  dt: number;
  shifted: boolean;
  wants: number[];
  /** Per request with a negative want (an outflow share): whether it is the next epoch's, asked ahead. */
  ahead?: boolean[];
}

const calls = fc.array(
  fc.record({
    dt: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 600 })),
    shifted: fc.boolean(),
    wants: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 3 }),
  }),
  { minLength: 1, maxLength: 25 },
);

const policy = (raw: Record<string, unknown>): RateLimitPolicy => parseRateLimitPolicies([{ name: 'p', key: 'global', ...raw }])[0]!;
/** Rates with 3 decimals, slow enough that an allowance of up to 40 permits runs into the limit. */
const rate = fc.integer({ min: 1, max: 200_000 }).map((milli) => milli / 1000);

/**
 * Runs `sequence` through the script in Redis and through `grantAllowance` (the pure twin, permit by permit) and
 * expects every output field of every request to agree.
 */
async function agree(p: RateLimitPolicy, sequence: Call[]): Promise<void> {
  const key = `${prefix}${randomUUID()}`;
  const algorithm = algorithmOf(p);
  const params = algorithm.luaArgs(p);
  let state: unknown;
  clock = 1_700_000_000_000;
  for (const { dt, shifted, wants, ahead } of sequence) {
    clock += dt;
    const shiftMs = shifted ? ALLOWANCE_MS : 0;
    // One turn of the event loop: the requests go out as one script call.
    const askOf = (i: number): Ask => (wants[i]! > 0 ? 'permits' : ahead?.[i] === true ? 'share-next-epoch' : 'share');
    const fromRedis = await Promise.all(
      wants.map((want, i) => limiter.decide([{ key, algorithmCode: algorithm.code, params, ask: askOf(i), amount: Math.abs(want), shiftMs }]).then((g) => g[0]!)),
    );
    const fromTwin: Grant[] = wants.map((want, i) => {
      const next = grantAllowance(p, state, clock, askOf(i), Math.abs(want), shiftMs);
      state = next.state;
      return next.grant;
    });
    expect(fromRedis).toEqual(fromTwin);
    // The sliding log's key, when written, outlives the window of its newest entry (which may lie ahead of now).
    const hits = (state as { hits?: number[] } | undefined)?.hits ?? [];
    if (p.algorithm === 'sliding-window' && ttls.get(key)! >= 0) expect(ttls.get(key)).toBeGreaterThanOrEqual(Math.max(...hits) + p.windowMs - clock);
  }
}

describe('the Lua script decides exactly as the pure twins, allowances included (real Redis, one key per run)', () => {
  it('fixed window', async () => {
    const params = fc.record({ limit: fc.integer({ min: 1, max: 30 }), windowMs: fc.integer({ min: 1, max: 1_000 }) });
    await fc.assert(fc.asyncProperty(params, calls, (raw, sequence) => agree(policy({ algorithm: 'fixed-window', ...raw }), sequence)));
  });

  it('sliding window (log), with entries shifted for allowances and the shift changing between calls', async () => {
    const params = fc.record({ limit: fc.integer({ min: 1, max: 30 }), windowMs: fc.integer({ min: 1, max: 1_000 }) });
    await fc.assert(fc.asyncProperty(params, calls, (raw, sequence) => agree(policy({ algorithm: 'sliding-window', ...raw }), sequence)));
  });

  it('token bucket', async () => {
    const params = fc.record({ capacity: fc.integer({ min: 1, max: 30 }), refillPerSec: rate });
    await fc.assert(fc.asyncProperty(params, calls, (raw, sequence) => agree(policy({ algorithm: 'token-bucket', ...raw }), sequence)));
  });

  it('leaky bucket, with and without a queue', async () => {
    const params = fc.record({ ratePerSec: rate, queue: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 })) });
    await fc.assert(fc.asyncProperty(params, calls, (raw, sequence) => agree(policy({ algorithm: 'leaky-bucket', ...raw }), sequence)));
  });

  it('fast leaky bucket with outflow shares, for the running epoch and taken ahead for the next', async () => {
    // 16 to 64 departures per ms; bursts of requests, shares (negative wants) and shares asked ahead, with
    // steps that cross the 100 ms epochs (the clock starts at a multiple of ALLOWANCE_MS).
    const params = fc.record({ ratePerSec: fc.integer({ min: 16, max: 64 }).map((perMs) => perMs * 1000), queue: fc.integer({ min: 0, max: 50 }) });
    const shareCalls = fc.array(
      fc.record({
        dt: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 60 })),
        shifted: fc.constant(false),
        wants: fc.array(fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: -20, max: -1 })), { minLength: 1, maxLength: 4 }),
        ahead: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      }),
      { minLength: 1, maxLength: 30 },
    );
    await fc.assert(fc.asyncProperty(params, shareCalls, (raw, sequence) => agree(policy({ algorithm: 'leaky-bucket', ...raw }), sequence)));
  });
});

describe('the sliding log in Redis', () => {
  it('a log left in the previous layout (a member per entry, no count) is dropped on load, never read as a count', async () => {
    const p = policy({ algorithm: 'sliding-window', limit: 5, windowMs: 60_000 });
    const params = algorithmOf(p).luaArgs(p);
    const key = `${prefix}${randomUUID()}`;
    clock = 1_700_000_000_000;
    await redis.zadd(key, clock - 10, '1699999999990000-1', clock - 5, '1699999999995000-2');
    const [grant] = await limiter.decide([{ key, algorithmCode: 2, params, ask: 'permits', amount: 3, shiftMs: 0 }]);
    expect(grant).toMatchObject({ allowed: true, granted: 3, remaining: 2 });
    expect(await redis.zrange(key, 0, -1, 'WITHSCORES')).toEqual(['#', '-3', expect.stringMatching(/^\d+:3$/), String(clock)]);
  });
});
