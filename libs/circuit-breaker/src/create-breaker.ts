import CircuitBreaker from 'opossum';
import { Counter, Gauge, register, Registry } from 'prom-client';
import { DEFAULT_BREAKER_OPTIONS } from '@shop/contracts';
import type { BreakerOptions } from '@shop/contracts';
import { LatencySummary, SlowCallDetector } from './slow-call-detector';

export type BreakerState = 'closed' | 'open' | 'half-open';
export type BreakerTransitionReason = 'errors' | 'slow-calls' | 'probe-failed' | 'probe-succeeded' | 'reset-timeout';

export interface BreakerTransition {
  name: string;
  from: BreakerState;
  to: BreakerState;
  reason: BreakerTransitionReason;
  at: number;
}

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

interface BreakerMetrics {
  state: Gauge<'name'>;
  transitions: Counter<'name' | 'to' | 'reason'>;
}

const metricsByRegistry = new WeakMap<Registry, BreakerMetrics>();

/** One pair of metrics per Prometheus registry, shared by every breaker of the process. */
function metricsOn(registry: Registry): BreakerMetrics {
  let metrics = metricsByRegistry.get(registry);
  if (!metrics) {
    metrics = {
      state: new Gauge({
        name: 'circuit_breaker_state',
        help: 'Circuit breaker state per breaker: 0 closed, 1 half-open, 2 open',
        labelNames: ['name'] as const,
        registers: [registry],
      }),
      transitions: new Counter({
        name: 'circuit_breaker_transitions_total',
        help: 'Circuit breaker state changes per breaker, target state and reason',
        labelNames: ['name', 'to', 'reason'] as const,
        registers: [registry],
      }),
    };
    metricsByRegistry.set(registry, metrics);
  }
  return metrics;
}

/** The slice of @shop/common's JsonLogger this library needs (passed in: libraries stay free of Nest). */
export interface BreakerLogger {
  event(level: 'log' | 'warn', message: string, fields: Record<string, unknown>): void;
}

export interface ShopBreaker<TArgs extends unknown[], TResult> {
  readonly name: string;
  readonly options: BreakerOptions;
  readonly breaker: CircuitBreaker<TArgs, TResult>;
  fire(...args: TArgs): Promise<TResult>;
  state(): BreakerState;
  /** When the breaker opened last (ms epoch), to tell callers how long to wait (Retry-After). */
  openedAt(): number | undefined;
  /** ms until the next half-open probe; 0 when not open. */
  retryAfterMs(now?: number): number;
  slowCalls(): { calls: number; slow: number };
  /** Latency of the calls within the slow-call window (mean, p50, p99 from a bounded histogram). */
  latency(): LatencySummary;
  shutdown(): void;
}

export interface CreateBreakerHooks {
  onTransition?: (t: BreakerTransition) => void;
  /** Where state changes are logged; apps pass `createLogger('circuit-breaker')`. */
  logger?: BreakerLogger;
  /** Where the metrics live; apps pass @shop/common's `metricsRegistry` (default: prom-client's global one). */
  registry?: Registry;
  /**
   * Errors for which the upstream is not to blame (the caller's fault, or a deliberate answer passed through):
   * counted neither as failures nor as calls for the slow-call rule.
   */
  errorFilter?: (error: unknown) => boolean;
  /** Injectable clock for the slow-call window (tests). */
  now?: () => number;
}

/**
 * 服务熔断: an opossum breaker with the options given, a minimum volume, and the seed's slow-call rule added
 * as an extension: a listener on opossum's `success` event (which carries each call's latency) feeds a
 * SlowCallDetector; when the rule trips it calls `breaker.open()`, and opossum's own reset timer takes it
 * to half-open after `resetTimeout`. A probe that succeeds but is slow opens it again. Slow calls are
 * counted, never aborted. State changes are logged and exported as metrics.
 */
export function createBreaker<TArgs extends unknown[], TResult>(
  name: string,
  fn: (...args: TArgs) => Promise<TResult>,
  options: Partial<BreakerOptions> = {},
  hooks: CreateBreakerHooks = {},
): ShopBreaker<TArgs, TResult> {
  const opts: BreakerOptions = { ...DEFAULT_BREAKER_OPTIONS, ...options };
  const now = hooks.now ?? Date.now;
  const metrics = metricsOn(hooks.registry ?? register);
  const breaker = new CircuitBreaker<TArgs, TResult>(fn, {
    name,
    timeout: opts.timeout,
    errorThresholdPercentage: opts.errorThresholdPercentage,
    rollingCountTimeout: opts.rollingCountTimeout,
    rollingCountBuckets: 10,
    resetTimeout: opts.resetTimeout,
    volumeThreshold: opts.volumeThreshold,
    // opossum's percentiles keep every latency of the window and sort them all at each snapshot; the
    // slow-call detector's histogram gives them in fixed memory instead.
    rollingPercentilesEnabled: false,
    ...(hooks.errorFilter ? { errorFilter: hooks.errorFilter } : {}),
  });
  const slow = new SlowCallDetector(opts);
  let state: BreakerState = 'closed';
  let openedAt: number | undefined;
  let nextReason: BreakerTransitionReason | undefined;

  const transition = (to: BreakerState, fallbackReason: BreakerTransitionReason): void => {
    const from = state;
    if (from === to) return;
    state = to;
    const reason = nextReason ?? fallbackReason;
    nextReason = undefined;
    if (to === 'open') {
      openedAt = now();
      slow.reset();
    }
    metrics.state.labels(name).set(STATE_VALUE[to]);
    metrics.transitions.labels(name, to, reason).inc();
    hooks.logger?.event(to === 'open' ? 'warn' : 'log', `circuit breaker ${name}: ${from} -> ${to}`, { breaker: name, from, to, reason });
    hooks.onTransition?.({ name, from, to, reason, at: now() });
  };
  breaker.on('open', () => transition('open', state === 'half-open' ? 'probe-failed' : 'errors'));
  breaker.on('halfOpen', () => transition('half-open', 'reset-timeout'));
  breaker.on('close', () => transition('closed', 'probe-succeeded'));
  // opossum closes the breaker on the probe's success before this listener runs: remember it was a probe.
  let wasProbe = false;
  breaker.on('halfOpen', () => {
    wasProbe = true;
  });
  breaker.on('success', (result: TResult, latencyMs: number) => {
    // opossum reports an error the errorFilter excused as a success; it is no evidence about the upstream's
    // speed either (a client that stalled, a deliberate "my dependency is down"): not a call for the slow rule.
    if (hooks.errorFilter && result instanceof Error && hooks.errorFilter(result)) {
      wasProbe = false;
      return;
    }
    const slowProbe = wasProbe && latencyMs > opts.slowCallMs;
    wasProbe = false;
    if (slow.record(latencyMs, now()) || slowProbe) {
      nextReason = 'slow-calls';
      breaker.open();
    }
  });
  breaker.on('failure', (_error: unknown, latencyMs: number) => {
    slow.record(latencyMs, now());
    wasProbe = false;
  });
  metrics.state.labels(name).set(0);

  return {
    name,
    options: opts,
    breaker,
    fire: (...args: TArgs) => breaker.fire(...args),
    state: () => state,
    openedAt: () => openedAt,
    retryAfterMs: (at = now()) => (state === 'open' && openedAt !== undefined ? Math.max(0, openedAt + opts.resetTimeout - at) : 0),
    slowCalls: () => slow.totals(),
    latency: () => slow.latency(now()),
    shutdown: () => breaker.shutdown(),
  };
}
