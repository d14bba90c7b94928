import { ALGORITHMS, algorithmOf } from '../algorithm-table';
import { Decision, UNIT } from '../algorithms/decision';
import type { RateLimitPolicy } from '../policy';
import { ALLOWANCE_MS } from './allowance-lifetime';
import { OutflowShare, SHARE_AHEAD_MS } from './shared-leaky-bucket';

/**
 * Budget allowances: a gateway takes an allowance of up to `leaseSize` permits of a key in ONE Redis call (the same atomic
 * script, the permits taken from the shared state exactly as one request each would be) and spends them on
 * later requests without asking Redis again. The global bound stays exact: every admitted request spends a
 * permit that was taken from the shared state, and none is ever created locally. The price: permits a gateway
 * holds are invisible to the others until spent or expired (an unspent permit is lost at expiry, never
 * returned), so the allowance is bounded in size (`maxAllowance`) and lifetime (`ALLOWANCE_MS`), and it starts at one
 * permit per key and doubles only while allowances get used up before they expire. A fast leaky bucket hands out a
 * share of its outflow per ms instead (`maxShare`, `SharedLeakyBucket.share`).
 */
export { ALLOWANCE_MS };

/**
 * A gateway asks for the next epoch's outflow share when its running share has this long left: early enough
 * for the answer to be back before the epoch turns, within the SHARE_AHEAD_MS that Redis allows.
 */
export const SHARE_ASK_AHEAD_MS = SHARE_AHEAD_MS / 2;

/** A policy's largest allowance: its leaseSize, and never more than 1/16 of its budget (small budgets stay exact). */
export function maxAllowance(policy: RateLimitPolicy): number {
  const cap = (budget: number) => Math.max(1, Math.min(policy.leaseSize, Math.floor(budget / 16)));
  switch (policy.algorithm) {
    case 'fixed-window':
    case 'sliding-window':
      return cap(policy.limit);
    case 'token-bucket':
      return cap(policy.capacity);
    case 'leaky-bucket':
      // Only departures due within the allowance's lifetime: a slow bucket would otherwise hold slots nobody uses.
      return Math.min(cap(policy.queue + 1), Math.max(1, Math.floor((policy.ratePerSec * ALLOWANCE_MS) / 1000)));
  }
}

/**
 * A leaky bucket's largest outflow share, in departures per ms (0: none): its leaseSize, and never more than
 * 1/16 of its outflow. A fast bucket's departure slots pass within microseconds (1 000 000/s: a thousand per ms),
 * so an allowance of slots would be spent only by the requests of the very ms it arrives in; a share of the outflow
 * lasts the whole allowance lifetime instead. Slower buckets (under 16 000/s) hand out slots, which are far enough apart.
 */
export function maxShare(policy: RateLimitPolicy): number {
  if (policy.algorithm !== 'leaky-bucket' || policy.leaseSize === 1) return 0;
  return Math.min(policy.leaseSize, Math.floor(policy.ratePerSec / 16_000));
}

/** How long a sliding-log entry of an allowance permit counts past its allowance time (see `grantAllowance`). */
export const allowanceShiftMs = (policy: RateLimitPolicy): number => (policy.algorithm === 'sliding-window' && maxAllowance(policy) > 1 ? ALLOWANCE_MS : 0);

/**
 * What a request asks of one key: `permits` (1, or an allowance of more), or a leaky bucket's outflow share for the
 * current epoch (`share`, with a permit for the request) or, asked by no request, for the next (`share-next-epoch`).
 */
export type Ask = 'permits' | 'share' | 'share-next-epoch';

/** What Redis (or `grantAllowance`) answers for one key of a request that asked for `amount` permits or a share. */
export interface Grant extends Decision {
  /** Permits taken (the request's own included): 0 when refused, else 1..amount. */
  granted: number;
  /** Leaky bucket: water ahead of the first permit, in units (the later permits' departures follow from it). */
  level: number;
  /** What an outflow share request got; absent for every other request. */
  share?: OutflowShare;
}

/**
 * The pure twin of the script's allowance loop, for one key: the first permit as a plain decision, then up to
 * `amount - 1` more at the same instant while the algorithm allows. A sliding-log entry is recorded at
 * `now + shiftMs` (the end of the allowance) so that a permit spent any time within the allowance still counts in
 * every window that contains its spending time. A share (`amount` departures per ms) only a leaky bucket gives.
 */
export function grantAllowance(policy: RateLimitPolicy, state: unknown, now: number, ask: Ask, amount: number, shiftMs: number): { grant: Grant; state: unknown } {
  const algorithm = algorithmOf(policy);
  if (ask !== 'permits') {
    if (policy.algorithm !== 'leaky-bucket') throw new Error(`policy ${policy.name}: only a leaky bucket lends an outflow share`);
    const bucket = ALGORITHMS['leaky-bucket'];
    if (ask === 'share-next-epoch') {
      const next = bucket.share(state as never, now, policy, amount, true);
      return { grant: { allowed: true, remaining: 0, resetMs: 0, retryAfterMs: 0, delayMs: 0, granted: 0, level: 0, share: next.share }, state: next.state ?? state };
    }
    const first = bucket.decide(state as never, now, policy);
    const refused = { perMs: 0, forMs: 0, startsInMs: 0 };
    if (!first.decision.allowed) return { grant: { ...first.decision, granted: 0, level: 0, share: refused }, state };
    const next = bucket.share(first.state, now, policy, amount);
    return { grant: { ...first.decision, granted: 1, level: 0, share: next.share }, state: next.state ?? first.state };
  }
  const record = (s: unknown): unknown => {
    if (policy.algorithm !== 'sliding-window' || shiftMs === 0) return s;
    const hits = (s as { hits: number[] }).hits;
    return { hits: [...hits.slice(0, -1), hits[hits.length - 1]! + shiftMs] };
  };
  const first = algorithm.decide(state, now, policy);
  if (!first.decision.allowed) return { grant: { ...first.decision, granted: 0, level: 0 }, state };
  let current = record(first.state);
  let last = first.decision;
  let granted = 1;
  const level = policy.algorithm === 'leaky-bucket' ? (first.state as { level: number }).level - UNIT : 0;
  while (granted < amount) {
    const next = algorithm.decide(current, now, policy);
    if (!next.decision.allowed) break;
    current = record(next.state);
    last = next.decision;
    granted++;
  }
  return { grant: { ...first.decision, remaining: last.remaining, resetMs: last.resetMs, granted, level }, state: current };
}

interface Allowance {
  /** Permits still to spend (for a leaky bucket: the departure times, local ms, in order). */
  permits: number;
  slots: number[] | undefined;
  next: number;
  expiresAt: number;
  /** The shared budget left when the allowance was taken (RateLimit-Remaining adds what this gateway holds). */
  sharedRemaining: number;
  resetAt: number;
  /** Demand: requests for this key in the current and in the previous ALLOWANCE_MS period (the allowance's size). */
  periodStart: number;
  seen: number;
  seenBefore: number;
  /** An allowance call for this key is on its way. */
  pending: boolean;
  /** The next allowance, taken ahead while this one runs low (not for departure slots); used once this one is gone. */
  spare: { permits: number; expiresAt: number; sharedRemaining: number; resetAt: number } | undefined;
  /**
   * A leaky bucket's outflow share: up to perMs departures in each local ms of [from, until) (capPerMs before
   * capUntil: see `has`); `used` in ms `ms`.
   */
  share: { perMs: number; from: number; until: number; capPerMs: number; capUntil: number; ms: number; used: number } | undefined;
  /** The next epoch's share, taken ahead: departures per ms, and when it surely starts and ends by this clock. */
  nextShare: { perMs: number; from: number; until: number } | undefined;
  /** The share (its `until`) for which a share ahead was refused: not asked again before it ends. */
  aheadRefusedFor: number;
  /** Demand per ms (a share's size): requests in ms `msAt`, and the most in one ms this period and the previous. */
  msAt: number;
  msCount: number;
  peak: number;
  peakBefore: number;
}

/**
 * The permits this gateway holds, per Redis key. Pure apart from the clock the caller passes. Bounded to
 * `maxKeys` keys (oldest dropped: its permits are simply lost, never over-spent).
 */
export class AllowanceBook {
  private readonly allowances = new Map<string, Allowance>();

  constructor(private readonly maxKeys = 10_000) {}

  /**
   * How many permits to ask for, or 0 when an allowance call for the key is already on its way (then ask for this
   * request alone, and do not `settle`). The size follows demand: the requests seen for the key within one
   * allowance lifetime (this period or the previous one), so a client sending now and then never takes more
   * than its own permit, and an allowance rarely outlives its use.
   */
  want(key: string, max: number, now: number): number {
    const allowance = this.counted(key, now);
    if (allowance.pending) return 0;
    allowance.pending = true;
    return this.demand(allowance, max);
  }

  /**
   * A leaky bucket's outflow share to ask for, in departures per ms (see `SharedLeakyBucket.share`), or 0:
   * a call is on its way, or a share is still running (one per gateway per key; then ask for this request
   * alone, and do not `settleShare`). The size follows the busiest ms seen lately, with half as much again
   * for headroom: requests come in clumps (all those read in one event-loop turn share one ms).
   */
  wantShare(key: string, max: number, now: number): number {
    const allowance = this.counted(key, now);
    if (allowance.pending || (allowance.share !== undefined && now < allowance.share.until)) return 0;
    allowance.pending = true;
    return this.shareSize(allowance, max);
  }

  /** The answer to a `wantShare` call (undefined when it failed). */
  settleShare(key: string, grant: Grant | undefined, sentAt: number, receivedAt: number): void {
    const allowance = this.allowances.get(key);
    if (allowance === undefined) return;
    allowance.pending = false;
    if (grant?.share === undefined || grant.share.perMs === 0) return;
    // Redis set the share aside from the ms it decided in, which ended by receivedAt + 1 at the latest: the
    // share is spent from then on (departures already promised all fall in that ms), and it ends no later
    // than Redis thinks, since Redis decided after the sending.
    const perMs = grant.share.perMs;
    allowance.share = { perMs, from: receivedAt + 1, until: sentAt + grant.share.forMs, capPerMs: perMs, capUntil: 0, ms: -1, used: 0 };
    allowance.sharedRemaining = grant.remaining;
    allowance.resetAt = receivedAt + grant.resetMs;
  }

  /**
   * The next epoch's share to ask for ahead, in departures per ms, or 0. Asked once the running share has at
   * most SHARE_ASK_AHEAD_MS left, in the background (no request waits for it), so that the share of the next
   * epoch is there when this one ends and no request has to ask Redis at the turn of the epoch. The caller
   * must `settleShareAhead` it.
   */
  wantShareAhead(key: string, max: number, now: number): number {
    const allowance = this.allowances.get(key);
    const share = allowance?.share;
    if (allowance === undefined || share === undefined || allowance.pending || allowance.nextShare !== undefined) return 0;
    if (now < share.until - SHARE_ASK_AHEAD_MS || allowance.aheadRefusedFor === share.until) return 0;
    allowance.pending = true;
    return this.shareSize(allowance, max);
  }

  /**
   * The answer to a `wantShareAhead` call (undefined when it failed). Redis's next epoch starts `startsInMs`
   * after its instant of decision, which lay between the sending and the receiving: by this clock it has
   * surely begun at receivedAt + startsInMs, and it ends no later than sentAt + startsInMs + forMs. Until it
   * surely began, the running share's epoch may still be on: `has` then allows the lower of the two shares.
   */
  settleShareAhead(key: string, grant: Grant | undefined, sentAt: number, receivedAt: number): void {
    const allowance = this.allowances.get(key);
    if (allowance === undefined) return;
    allowance.pending = false;
    const share = grant?.share;
    if (share === undefined || share.perMs === 0) {
      if (allowance.share !== undefined) allowance.aheadRefusedFor = allowance.share.until;
      return;
    }
    allowance.nextShare = { perMs: share.perMs, from: receivedAt + share.startsInMs, until: sentAt + share.startsInMs + share.forMs };
  }

  /** A share's size: the busiest ms seen lately, with half as much again for headroom, at most `max`. */
  private shareSize(allowance: Allowance, max: number): number {
    return Math.max(1, Math.min(max, Math.ceil(1.5 * Math.max(allowance.peak, allowance.peakBefore))));
  }

  private counted(key: string, now: number): Allowance {
    let allowance = this.allowances.get(key);
    if (allowance === undefined) {
      allowance = {
        permits: 0, slots: undefined, next: 0, expiresAt: 0, sharedRemaining: 0, resetAt: 0, periodStart: now, seen: 0, seenBefore: 0,
        pending: false, spare: undefined, share: undefined, nextShare: undefined, aheadRefusedFor: -1, msAt: now, msCount: 0, peak: 0, peakBefore: 0,
      };
      this.allowances.set(key, allowance);
      if (this.allowances.size > this.maxKeys) this.allowances.delete(this.allowances.keys().next().value!);
    }
    this.count(allowance, now);
    return allowance;
  }

  private demand(allowance: Allowance, max: number): number {
    return Math.max(1, Math.min(max, Math.max(allowance.seen, allowance.seenBefore)));
  }

  /**
   * After a permit was spent: the size of the next allowance to take ahead now (no request waits for it), or 0.
   * Taken when half of the demand's worth of permits is left, so that under steady load the next allowance is
   * there before this one runs out. The caller must `settleAhead` it.
   */
  wantAhead(key: string, max: number): number {
    const allowance = this.allowances.get(key);
    if (allowance === undefined || allowance.pending || allowance.spare !== undefined || allowance.slots !== undefined || allowance.share !== undefined) return 0;
    const size = this.demand(allowance, max);
    if (size < 2 || allowance.permits > size >> 1) return 0;
    allowance.pending = true;
    return size;
  }

  /** The answer to a `wantAhead` call (undefined when it failed): every permit granted is kept for later. */
  settleAhead(key: string, grant: Grant | undefined, sentAt: number, receivedAt: number, endsAtReset: boolean): void {
    const allowance = this.allowances.get(key);
    if (allowance === undefined) return;
    allowance.pending = false;
    if (grant === undefined || grant.granted === 0) return;
    allowance.spare = {
      permits: grant.granted,
      expiresAt: sentAt + (endsAtReset ? Math.min(ALLOWANCE_MS, grant.resetMs) : ALLOWANCE_MS),
      sharedRemaining: grant.remaining,
      resetAt: receivedAt + grant.resetMs,
    };
  }

  private count(allowance: Allowance, now: number): void {
    if (now - allowance.periodStart >= ALLOWANCE_MS) {
      const recent = now - allowance.periodStart < 2 * ALLOWANCE_MS;
      allowance.seenBefore = recent ? allowance.seen : 0;
      allowance.peakBefore = recent ? allowance.peak : 0;
      allowance.seen = 0;
      allowance.peak = 0;
      allowance.periodStart = now;
    }
    allowance.seen++;
    if (now !== allowance.msAt) {
      allowance.msAt = now;
      allowance.msCount = 0;
    }
    if (++allowance.msCount > allowance.peak) allowance.peak = allowance.msCount;
  }

  /**
   * The answer to a `want` call (undefined when it failed): keeps the extra permits for later. `perMs`: a leaky
   * bucket's drain rate (its permits are departure slots), else 0. `endsAtReset`: a fixed window's permits
   * die with their window.
   */
  settle(key: string, grant: Grant | undefined, sentAt: number, receivedAt: number, perMs: number, endsAtReset: boolean): void {
    const allowance = this.allowances.get(key);
    if (allowance === undefined) return;
    allowance.pending = false;
    if (grant === undefined || grant.granted <= 1) return;
    allowance.sharedRemaining = grant.remaining;
    allowance.resetAt = receivedAt + grant.resetMs;
    if (perMs > 0) {
      // Leaky bucket: the j-th extra permit departs when the water ahead of it has drained, as the script says.
      allowance.slots = [];
      for (let j = 1; j < grant.granted; j++) allowance.slots.push(receivedAt + Math.floor((grant.level + j * UNIT) / perMs));
      allowance.next = 0;
      allowance.permits = allowance.slots.length;
      allowance.expiresAt = allowance.slots[allowance.slots.length - 1]!;
    } else {
      allowance.slots = undefined;
      allowance.permits = grant.granted - 1;
      // Times are measured from the sending: Redis decided after it, so the allowance ends no later than Redis thinks.
      allowance.expiresAt = sentAt + (endsAtReset ? Math.min(ALLOWANCE_MS, grant.resetMs) : ALLOWANCE_MS);
    }
  }

  /** Whether one permit of `key` can be spent at `now` (no change). */
  has(key: string, now: number): boolean {
    const allowance = this.allowances.get(key);
    if (allowance === undefined) return false;
    let share = allowance.share;
    if (share !== undefined && now >= share.until) {
      const next = allowance.nextShare;
      allowance.nextShare = undefined;
      // The next epoch's share follows on where this one ends (by this clock, a little before Redis's epoch
      // turns): until it surely began, allow only the lower of the two per ms, which both epochs reserved.
      share = allowance.share =
        next !== undefined && now < next.until
          ? { perMs: next.perMs, from: share.until, until: next.until, capPerMs: Math.min(share.perMs, next.perMs), capUntil: next.from, ms: share.ms, used: share.used }
          : undefined;
      if (share === undefined) return false;
    }
    if (share !== undefined) {
      const allowed = now < share.capUntil ? share.capPerMs : share.perMs;
      return now >= share.from && (share.ms !== now || share.used < allowed);
    }
    if (allowance.slots === undefined && (allowance.permits === 0 || now >= allowance.expiresAt)) {
      const spare = allowance.spare;
      allowance.spare = undefined;
      if (spare === undefined || spare.permits === 0 || now >= spare.expiresAt) return this.expire(allowance);
      allowance.permits = spare.permits;
      allowance.expiresAt = spare.expiresAt;
      allowance.sharedRemaining = spare.sharedRemaining;
      allowance.resetAt = spare.resetAt;
    }
    if (allowance.permits === 0) return false;
    if (allowance.slots !== undefined) {
      while (allowance.next < allowance.slots.length && allowance.slots[allowance.next]! < now) allowance.next++;
      allowance.permits = allowance.slots.length - allowance.next;
      if (allowance.permits === 0) return this.expire(allowance);
    }
    return true;
  }

  /** Spends one permit (call after `has` said yes in the same turn). */
  take(key: string, now: number): Decision {
    const allowance = this.allowances.get(key)!;
    this.count(allowance, now);
    const share = allowance.share;
    if (share !== undefined) {
      if (share.ms !== now) {
        share.ms = now;
        share.used = 0;
      }
      share.used++;
      return { allowed: true, remaining: allowance.sharedRemaining, resetMs: Math.max(0, allowance.resetAt - now), retryAfterMs: 0, delayMs: 0 };
    }
    allowance.permits--;
    let delayMs = 0;
    if (allowance.slots !== undefined) delayMs = allowance.slots[allowance.next++]! - now;
    // Remaining as this gateway sees it: the shared budget at its last allowance plus every permit it holds.
    const spare = allowance.spare;
    const remaining = spare === undefined ? allowance.sharedRemaining + allowance.permits : spare.sharedRemaining + spare.permits + allowance.permits;
    return { allowed: true, remaining, resetMs: Math.max(0, allowance.resetAt - now), retryAfterMs: 0, delayMs };
  }

  /** Returns a permit taken by a request that was then refused by another policy (not for departure slots or shares). */
  giveBack(key: string): void {
    const allowance = this.allowances.get(key);
    if (allowance !== undefined && allowance.slots === undefined) allowance.permits++;
  }

  /** Permits left unspent at expiry are lost (never returned: they may already count in Redis's windows). */
  private expire(allowance: Allowance): false {
    allowance.permits = 0;
    allowance.slots = undefined;
    return false;
  }
}
