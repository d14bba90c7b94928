/** What one limiter says about one request. All durations are whole milliseconds. */
export interface Decision {
  allowed: boolean;
  /** Requests still admissible right now (after this one when allowed). */
  remaining: number;
  /** Until the limiter is back to its fullest state (RateLimit-Reset). */
  resetMs: number;
  /** When rejected: the earliest moment a retry can succeed (Retry-After). 0 when allowed. */
  retryAfterMs: number;
  /** Leaky bucket in queue mode: hold the request this long before forwarding it. 0 otherwise. */
  delayMs: number;
}

/** A pure step of an algorithm: (state, now, params) -> (decision, state to keep). */
export interface Step<S> {
  decision: Decision;
  /** The state after this request; equal to the input when the request is rejected. */
  state: S;
}

/**
 * One algorithm: a pure decision function (what the tests check) and the same function in Lua (what runs in
 * Redis, atomically, with Redis's clock). The Lua chunk defines four local functions, so that one script
 * call can decide many requests while reading and writing each key once. `param1, param2` are the algorithm's
 * two parameters, as `luaArgs` gives them (each algorithm's Lua names them: limit, window_ms; capacity, ...):
 *   `<luaName>_load(key, now, param1, param2, shiftMs)` -> state table (reads Redis; shiftMs: see `allowanceShiftMs`)
 *   `<luaName>_decide(st, now, param1, param2)` -> allowed, remaining, resetMs, retryAfterMs, delayMs, next state
 *                                        (pure: the Lua twin of `decide`)
 *   `<luaName>_take(st, now, param1, param2, want)` -> granted, remaining, resetMs, next state (nil when 0
 *                                        granted): in O(1), exactly what `decide` repeated at `now` until refused
 *                                        or `want` granted gives (the count, the last permit's numbers, the state);
 *                                        for allowances (allowance/allowance.ts)
 *   `<luaName>_store(key, st, now, param1, param2, stamp)` (writes Redis, with an expiry; stamp: unique to the call)
 */
export interface RateLimitAlgorithm<P, S> {
  readonly code: number;
  readonly luaName: string;
  readonly lua: string;
  /** The two numeric parameters the Lua functions take (param1, param2), from the policy's parameters. */
  luaArgs(params: P): readonly [number, number];
  decide(state: S | undefined, nowMs: number, params: P): Step<S>;
}

/** Fixed-point unit for bucket levels: 1 request = 1e6 units, so refill and leak stay exact integers. */
export const UNIT = 1_000_000;

/** Rates are tokens (or requests) per second with at most 3 decimals, i.e. an integer number of units per ms. */
export function unitsPerMs(perSecond: number): number {
  return Math.round(perSecond * 1000);
}
