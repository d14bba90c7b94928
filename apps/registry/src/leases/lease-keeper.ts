import type { InstanceRecord } from '../state-machine/registry-state-machine';

export interface DueLease {
  readonly service: string;
  readonly instanceId: string;
  readonly renewIndex: number;
}

/**
 * Lease time, outside the state machine. Every node notes, on its own monotonic clock, when it applied each
 * lease renewal (register or heartbeat); only the leader acts on it, by proposing LeaseExpire for leases whose
 * TTL passed. The state machine then removes an instance only if no renewal was applied after that decision.
 *
 * Grace after a leader change (Nacos #1873: a paused server deleted instances en masse): a new leader counts
 * every lease from the moment it became leader at the earliest, so nothing expires during its first TTL, even
 * if heartbeats were lost while the cluster had no leader.
 */
export class LeaseKeeper {
  /** instance key -> when this node applied its latest renewal, and which renewal that was. */
  private readonly renewedAt = new Map<string, { readonly at: number; readonly renewIndex: number }>();
  private leaderSince: number | null = null;

  constructor(private readonly now: () => number) {}

  /** Called when a lease changed in the state machine (register, heartbeat, deregister, expiry). */
  noteRenewal(service: string, instanceId: string, instance: InstanceRecord | undefined): void {
    const key = instanceKey(service, instanceId);
    if (!instance) this.renewedAt.delete(key);
    else this.renewedAt.set(key, { at: this.now(), renewIndex: instance.renewIndex });
  }

  /** Called whenever this node's role is observed; becoming leader starts the grace period. */
  observeRole(isLeader: boolean): void {
    if (!isLeader) this.leaderSince = null;
    else if (this.leaderSince === null) this.leaderSince = this.now();
  }

  get isLeader(): boolean {
    return this.leaderSince !== null;
  }

  /** Leases whose TTL passed, by this leader's clock; empty on followers. At most `limit` of them. */
  due(instances: Iterable<InstanceRecord>, limit: number): DueLease[] {
    if (this.leaderSince === null) return [];
    const now = this.now();
    const out: DueLease[] = [];
    const live = new Set<string>();
    for (const instance of instances) {
      const key = instanceKey(instance.service, instance.id);
      live.add(key);
      let renewed = this.renewedAt.get(key);
      // A renewal this node never saw applied (e.g. restored from a snapshot) counts from now.
      if (!renewed || renewed.renewIndex !== instance.renewIndex) {
        renewed = { at: now, renewIndex: instance.renewIndex };
        this.renewedAt.set(key, renewed);
      }
      const deadline = Math.max(renewed.at, this.leaderSince) + instance.ttlMs;
      if (now >= deadline && out.length < limit) out.push({ service: instance.service, instanceId: instance.id, renewIndex: instance.renewIndex });
    }
    for (const key of this.renewedAt.keys()) if (!live.has(key)) this.renewedAt.delete(key);
    return out;
  }
}

function instanceKey(service: string, instanceId: string): string {
  return `${service}\u0000${instanceId}`;
}
