import type Redis from 'ioredis';
import { ALGORITHMS } from './algorithm-table';
import { UNIT } from './algorithms/decision';
import type { Ask, Grant } from './allowance/allowance';

/** One decision to make, for one key of one request (or for no request: an allowance or share taken ahead). */
export interface LimitCheck {
  /** The Redis key of the bucket. */
  key: string;
  /** The algorithm's code (algorithm-table.ts) and its two Lua parameters, as its `luaArgs` gives them. */
  algorithmCode: number;
  params: readonly [number, number];
  /** What is asked (allowance/allowance.ts): permits, or a leaky bucket's outflow share. */
  ask: Ask;
  /** Permits wanted (1, or an allowance of more), or departures per ms for a share. */
  amount: number;
  /** How far past now a sliding-log entry is recorded (see `allowanceShiftMs`). */
  shiftMs: number;
}

/** How the script spells an `Ask`. */
const ASK_CODE: Readonly<Record<Ask, number>> = { permits: 0, share: 1, 'share-next-epoch': 2 };

const algorithms = Object.values(ALGORITHMS);
const table = (suffix: string) => `{ ${algorithms.map((a) => `[${a.code}] = ${a.luaName}_${suffix}`).join(', ')} }`;

/**
 * The one Lua script. Input: the distinct keys of a batch of requests (KEYS, with each key's algorithm and
 * parameters in ARGV), then each request as the list of its keys. With ONE clock reading (Redis's TIME),
 * it loads each key's state once, decides the requests in order, each all-or-nothing (a request refused by
 * one policy spends nothing of the others), and writes each changed key once. A request admitted may then
 * take more permits of a key (an allowance, up to `amount` in all) while that key's algorithm allows, exactly as that
 * many requests at the same instant would, in O(1) (`<name>_take`, see decision.ts). The whole call is atomic,
 * so any number of gateways sharing this Redis share each budget exactly.
 *
 * A request may instead ask a leaky bucket for an outflow share of `amount` departures per ms (`SHARE`, see
 * `SharedLeakyBucket.share`); or, alone and for no request, the share of the next epoch (`SHARE_NEXT_EPOCH`).
 *
 * ARGV: K, then K x (algorithm code, param1, param2, shiftMs) (param1 and param2: the algorithm's `luaArgs`,
 * e.g. limit and window_ms), then R, then per request: m, then m x (key number (1-based), ask (PERMITS, SHARE or
 * SHARE_NEXT_EPOCH), amount), then the clock: 0 = Redis's TIME (always, in production); any other value is taken as now, in ms (a
 * test seam: the differential int spec drives the script and the pure twins through the same instants).
 * Returns per request, per key of that request: allowed, remaining, resetMs, retryAfterMs, delayMs, granted,
 * level (the leaky bucket's water ahead of the first permit; for a share: the departures per ms granted, 0 when
 * refused), shareMs (how long a granted share lasts; 0 otherwise), shareStartsInMs.
 */
export const RATE_LIMIT_LUA = `${algorithms.map((a) => a.lua).join('')}
local load, decide, take, store = ${table('load')}, ${table('decide')}, ${table('take')}, ${table('store')}
local t = redis.call('TIME')
local now = tonumber(ARGV[#ARGV])
if now == 0 then now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end
local stamp = t[1] .. string.format('%06d', tonumber(t[2]))
local PERMITS, SHARE, SHARE_NEXT_EPOCH = ${ASK_CODE.permits}, ${ASK_CODE.share}, ${ASK_CODE['share-next-epoch']}
local K = tonumber(ARGV[1])
local algorithm, param1, param2, shift, st, dirty = {}, {}, {}, {}, {}, {}
for k = 1, K do
  local o = 1 + (k - 1) * 4
  algorithm[k], param1[k], param2[k], shift[k] = tonumber(ARGV[o + 1]), tonumber(ARGV[o + 2]), tonumber(ARGV[o + 3]), tonumber(ARGV[o + 4])
  st[k] = load[algorithm[k]](KEYS[k], now, param1[k], param2[k], shift[k])
end
local function commit(k, nx)
  st[k] = nx
  dirty[k] = true
end
local p = 2 + 4 * K
local R = tonumber(ARGV[p])
p = p + 1
local out, n = {}, 0
for r = 1, R do
  local m = tonumber(ARGV[p])
  if m == 1 and tonumber(ARGV[p + 2]) == SHARE_NEXT_EPOCH then
    -- The next epoch's outflow share, asked ahead: no request comes with it, so no permit is taken.
    local k, amount = tonumber(ARGV[p + 1]), tonumber(ARGV[p + 3])
    local per_ms, for_ms, starts, nx = leaky_bucket_share(st[k], now, param1[k], param2[k], amount, true)
    if nx then commit(k, nx) end
    out[n + 1], out[n + 2], out[n + 3], out[n + 4], out[n + 5], out[n + 6], out[n + 7], out[n + 8], out[n + 9] = 1, 0, 0, 0, 0, 0, per_ms, for_ms, starts
    n = n + 9
  else
    local all, nexts, base = true, {}, n
    for j = 1, m do
      local k = tonumber(ARGV[p + 3 * j - 2])
      local allowed, remaining, reset, retry, delay, nx = decide[algorithm[k]](st[k], now, param1[k], param2[k])
      if allowed == 0 then all = false end
      nexts[j] = nx
      out[n + 1], out[n + 2], out[n + 3], out[n + 4], out[n + 5], out[n + 6], out[n + 7], out[n + 8], out[n + 9] = allowed, remaining, reset, retry, delay, 0, 0, 0, 0
      n = n + 9
    end
    if all then
      for j = 1, m do
        local k, ask, amount = tonumber(ARGV[p + 3 * j - 2]), tonumber(ARGV[p + 3 * j - 1]), tonumber(ARGV[p + 3 * j])
        local o = base + (j - 1) * 9
        if nexts[j].l then out[o + 7] = nexts[j].l - ${UNIT} end
        commit(k, nexts[j])
        if ask == SHARE then
          local per_ms, for_ms, _, nx = leaky_bucket_share(st[k], now, param1[k], param2[k], amount, false)
          if nx then commit(k, nx) end
          out[o + 6], out[o + 7], out[o + 8] = 1, per_ms, for_ms
        else
          local more, remaining, reset, nx = 0
          if amount > 1 then more, remaining, reset, nx = take[algorithm[k]](st[k], now, param1[k], param2[k], amount - 1) end
          if more > 0 then
            commit(k, nx)
            out[o + 2], out[o + 3] = remaining, reset
          end
          out[o + 6] = 1 + more
        end
      end
    end
  end
  p = p + 3 * m + 1
end
for k = 1, K do
  if dirty[k] then store[algorithm[k]](KEYS[k], st[k], now, param1[k], param2[k], stamp) end
end
return out
`;

interface RateLimitCommand {
  shopRateLimit(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
}

interface Pending {
  checks: readonly LimitCheck[];
  resolve: (grants: Grant[]) => void;
  reject: (error: unknown) => void;
}

/** Requests per script call; more wait for the next call of the same flush. */
const MAX_BATCH = 256;

/**
 * Decides in Redis. The decisions asked for during one turn of the event loop (every request read from the
 * sockets in that turn) go out together, after I/O, as ONE script call: one round trip and one script run
 * for all of them, each key read and written once. A lone request is one call of its own, so no request
 * ever waits for a batch to fill.
 */
export class RedisRateLimiter {
  private readonly redis: Redis & RateLimitCommand;
  private pending: Pending[] = [];
  private scheduled = false;
  /** Script calls made and requests decided, to see the batching at work (status page, benchmark). */
  readonly counters = { calls: 0, requests: 0 };

  /** `testClockMs`: the now the script should use instead of Redis's TIME; tests only (0 = TIME). */
  constructor(
    redis: Redis,
    private readonly testClockMs: () => number = () => 0,
  ) {
    redis.defineCommand('shopRateLimit', { lua: RATE_LIMIT_LUA });
    this.redis = redis as Redis & RateLimitCommand;
  }

  decide(checks: readonly LimitCheck[]): Promise<Grant[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ checks, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const all = this.pending;
    this.pending = [];
    for (let i = 0; i < all.length; i += MAX_BATCH) this.send(all.length <= MAX_BATCH ? all : all.slice(i, i + MAX_BATCH));
  };

  private send(batch: Pending[]): void {
    const keyNumber = new Map<string, number>();
    const keys: string[] = [];
    const keyArgs: number[] = [];
    const requestArgs: number[] = [batch.length];
    for (const item of batch) {
      requestArgs.push(item.checks.length);
      for (const c of item.checks) {
        let k = keyNumber.get(c.key);
        if (k === undefined) {
          k = keys.length + 1;
          keyNumber.set(c.key, k);
          keys.push(c.key);
          keyArgs.push(c.algorithmCode, c.params[0], c.params[1], c.shiftMs);
        }
        requestArgs.push(k, ASK_CODE[c.ask], c.amount);
      }
    }
    this.counters.calls++;
    this.counters.requests += batch.length;
    this.redis.shopRateLimit(keys.length, ...keys, keys.length, ...keyArgs, ...requestArgs, this.testClockMs()).then(
      (out) => {
        let o = 0;
        for (const item of batch) {
          const grants: Grant[] = new Array(item.checks.length);
          for (let j = 0; j < grants.length; j++, o += 9) {
            const asksShare = item.checks[j]!.ask !== 'permits';
            grants[j] = {
              allowed: out[o] === 1,
              remaining: out[o + 1]!,
              resetMs: out[o + 2]!,
              retryAfterMs: out[o + 3]!,
              delayMs: out[o + 4]!,
              granted: out[o + 5]!,
              level: asksShare ? 0 : out[o + 6]!,
              share: asksShare ? { perMs: out[o + 6]!, forMs: out[o + 7]!, startsInMs: out[o + 8]! } : undefined,
            };
          }
          item.resolve(grants);
        }
      },
      (error: unknown) => {
        for (const item of batch) item.reject(error);
      },
    );
  }
}
