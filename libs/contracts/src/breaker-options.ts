// The options of one circuit breaker as `config/gateway/breakers` holds them: the gateway's breakers run on them
// (@shop/circuit-breaker, which also bounds and parses them), the console (apps/web) edits them.

/**
 * Options of one breaker: opossum's own, plus the seed's slow-call rule ("within 5 s, if 50% of calls are
 * slow, fail fast for the next 5 s") that opossum lacks.
 */
export interface BreakerOptions {
  /** A call that has not answered after this long fails (opossum rejects it with ETIMEDOUT). */
  timeout: number;
  /** Open when at least this % of the calls in the rolling window failed... */
  errorThresholdPercentage: number;
  /** ...over this rolling window (ms)... */
  rollingCountTimeout: number;
  /** ...once it holds at least this many calls (opossum's default 0 opens on the very first failure). */
  volumeThreshold: number;
  /** How long it stays open before letting a probe through (half-open). */
  resetTimeout: number;
  /** A call that succeeds but takes longer than this is slow (counted, never aborted). */
  slowCallMs: number;
  /** Open when at least this % of the calls in the slow-call window were slow... */
  slowCallRateThreshold: number;
  /** ...over this window (ms)... */
  slowCallWindowMs: number;
  /** ...once it holds at least this many calls. */
  slowCallMinCalls: number;
}

/** The seed's numbers: 5 s windows, 50 %, open for 5 s. */
export const DEFAULT_BREAKER_OPTIONS: Readonly<BreakerOptions> = Object.freeze({
  timeout: 3000,
  errorThresholdPercentage: 50,
  rollingCountTimeout: 5000,
  volumeThreshold: 10,
  resetTimeout: 5000,
  slowCallMs: 1000,
  slowCallRateThreshold: 50,
  slowCallWindowMs: 5000,
  slowCallMinCalls: 10,
});
