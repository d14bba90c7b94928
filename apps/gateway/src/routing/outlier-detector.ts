/**
 * Outlier detection per instance, after Envoy's: an instance with `consecutiveGatewayFailures` gateway
 * failures in a row (connect refused, reset, timeout; see isGatewayFailure) is ejected, i.e. skipped by the
 * balancer, for `baseEjectionMs` times the number of times it was ejected (capped at `maxEjectionMs`), long
 * before its registration's TTL expires in the registry. Each `intervalMs` it spends in service without being ejected again takes
 * one off that multiplier. At most `maxEjectionPercent` of a service's instances are out at once, and never
 * the last one left: an ejection must not turn a partial outage into a total one.
 *
 * Unlike the breaker (one per service, about the service's health), this is about one instance: a dead
 * replica of order is skipped while the others carry on, and order's breaker never sees a failure.
 * Only gateway failures count, not 5xx answers (Envoy's consecutive_5xx): a 5xx usually follows from the
 * request or from a dependency, and counting it would let a client eject healthy instances with bad requests.
 *
 * Pure logic: time comes in as arguments.
 */
export interface OutlierPolicy {
  consecutiveGatewayFailures: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
  maxEjectionPercent: number;
  intervalMs: number;
}

/**
 * Three failures in a row (Envoy: 5) because a dead instance here costs each request a retry; 10 s base
 * (Envoy: 30 s) because the registration TTL (10 s) removes a dead instance soon after anyway, and a restarted
 * one should come back quickly; 50 % so that one of two replicas can be out.
 */
export const DEFAULT_OUTLIER_POLICY: Readonly<OutlierPolicy> = Object.freeze({
  consecutiveGatewayFailures: 3,
  baseEjectionMs: 10_000,
  maxEjectionMs: 300_000,
  maxEjectionPercent: 50,
  intervalMs: 10_000,
});

/** What the detector keeps on each instance. */
export class OutlierState {
  consecutiveFailures = 0;
  /** ms epoch until which the instance is skipped; 0: in service. */
  ejectedUntil = 0;
  /** Ejection multiplier (Envoy's "number of ejections"), decays by one per interval in service. */
  ejections = 0;
  /** Ejections since start (status page, metrics). */
  totalEjections = 0;
  /** When the multiplier last decayed or the instance last came back (ms epoch). */
  private decayedAt = 0;

  isEjected(now: number): boolean {
    return this.ejectedUntil > now;
  }

  /** A call that reached the instance and got an answer. */
  recordSuccess(): void {
    this.consecutiveFailures = 0;
  }

  /**
   * A gateway failure. `ejectedOthers`/`total`: how many of the service's instances are out now, and how many it
   * has. Returns the ejection's end (ms epoch) when this failure ejects the instance, else undefined.
   */
  recordGatewayFailure(policy: OutlierPolicy, now: number, ejectedOthers: number, total: number): number | undefined {
    if (this.isEjected(now)) return undefined;
    this.consecutiveFailures++;
    if (this.consecutiveFailures < policy.consecutiveGatewayFailures) return undefined;
    if (!mayEject(policy, ejectedOthers, total)) return undefined;
    this.decay(policy, now);
    this.ejections++;
    this.totalEjections++;
    this.consecutiveFailures = 0;
    this.ejectedUntil = now + Math.min(policy.maxEjectionMs, policy.baseEjectionMs * this.ejections);
    this.decayedAt = this.ejectedUntil;
    return this.ejectedUntil;
  }

  /** Envoy's sweep, done lazily: one step off the multiplier per whole interval spent in service. */
  private decay(policy: OutlierPolicy, now: number): void {
    if (this.ejections === 0) return;
    const steps = Math.floor((now - this.decayedAt) / policy.intervalMs);
    if (steps <= 0) return;
    this.ejections = Math.max(0, this.ejections - steps);
    this.decayedAt += steps * policy.intervalMs;
  }
}

/**
 * One more ejection keeps the ejected share at or under maxEjectionPercent, except that one of two or more
 * instances may always be ejected (Envoy's always_eject_one_host), and the last instance in service never is.
 */
export function mayEject(policy: OutlierPolicy, ejectedOthers: number, total: number): boolean {
  const inServiceAfter = total - ejectedOthers - 1;
  if (inServiceAfter < 1) return false;
  if (ejectedOthers === 0) return true;
  return ((ejectedOthers + 1) * 100) / total <= policy.maxEjectionPercent;
}
