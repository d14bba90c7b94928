import { refusal } from '../access/access-rules';
import { decodeCommand } from './command-codec';
import {
  Command,
  CommandResult,
  CommandType,
  ExpireResult,
  KvDeleteResult,
  KvWriteResult,
  LeaseExpireCommand,
  ServiceRegisterCommand,
  ServiceResult,
} from './commands';

/** One key of the KV store. Indexes are Raft log indexes: the order of changes is the log's, never a clock's. */
export interface KvEntry {
  readonly key: string;
  /** JSON text, served as is. */
  readonly value: string;
  readonly createIndex: number;
  readonly modIndex: number;
}

/** One recent version of a history-keeping key; `value` null records a delete. */
export interface KvVersion {
  readonly modIndex: number;
  readonly value: string | null;
}

export interface InstanceRecord {
  readonly service: string;
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly meta: Readonly<Record<string, string>>;
  readonly ttlMs: number;
  readonly registerIndex: number;
  /** Index of the last register or heartbeat: the lease's version, checked by LeaseExpire. */
  readonly renewIndex: number;
}

/** What an applied entry changed; blocking queries wake on these. */
export type Change =
  | { readonly kind: 'kv'; readonly key: string; readonly index: number }
  | { readonly kind: 'service'; readonly service: string; readonly index: number }
  | { readonly kind: 'lease'; readonly service: string; readonly instanceId: string; readonly index: number };

export interface StateMachineLimits {
  /** Keys plus deleted keys whose history is kept. */
  readonly maxKeys: number;
  /** Characters of values held, current ones and history versions together (a memory bound). */
  readonly maxValueChars: number;
  readonly maxInstances: number;
  /** Keys under this prefix keep their recent versions (config center). */
  readonly historyPrefix: string;
  readonly historyDepth: number;
}

/**
 * Sized to the registry's memory (its pod's limit is 256 MiB, docs/security.md): what the state may hold is
 * also in two retained snapshots, in the transient copy while one is taken, and in the log between snapshots
 * (bounded by the host's snapshotBytesThreshold). 8 Mi characters of values (history included), 10 000 keys of up
 * to 512 bytes and 1 000 instances (each up to about 17 KiB of meta) keep that under about 150 MiB at worst, and
 * are hundreds of times what the shop uses (a few KiB of config, a dozen instances).
 */
export const DEFAULT_LIMITS: StateMachineLimits = {
  maxKeys: 10_000,
  maxValueChars: 8 * 1024 * 1024,
  maxInstances: 1_000,
  historyPrefix: 'config/',
  historyDepth: 10,
};

const SNAPSHOT_VERSION = 1;

interface SnapshotShape {
  v: number;
  appliedIndex: number;
  kvDeleteIndex: number;
  servicesIndex: number;
  kv: [key: string, value: string, createIndex: number, modIndex: number][];
  history: [key: string, versions: [modIndex: number, value: string | null][]][];
  serviceIndex: [service: string, index: number][];
  instances: [service: string, id: string, address: string, port: number, meta: Record<string, string>, ttlMs: number, registerIndex: number, renewIndex: number][];
}

/**
 * The registry's replicated state machine: the KV store (config center, 配置中心) and the service registry with
 * leases (注册中心). `apply` is deterministic: its only inputs are the entry's index and bytes, so every node
 * that applies the same log holds the same state and produces the same snapshot bytes. No clock is read here;
 * lease time lives in the leader's LeaseKeeper, which proposes LeaseExpire commands.
 */
export class RegistryStateMachine {
  private readonly kv = new Map<string, KvEntry>();
  private readonly history = new Map<string, KvVersion[]>();
  private readonly services = new Map<string, Map<string, InstanceRecord>>();
  /** Last index at which a service's list of live instances changed; kept for services with no instance left,
   *  so that a blocking query on a service that just lost its last instance still wakes. */
  private readonly serviceIndex = new Map<string, number>();
  private instanceCount = 0;
  private deletedWithHistory = 0;
  /** Sum of the lengths of every value held (kv and history): checked against maxValueChars. */
  private valueChars = 0;
  /** Last index at which any key was deleted: the change index of absent keys (conservative, like Consul's
   *  table index), so a blocking query on a deleted key returns. */
  private kvDeleteIndex = 0;
  /** Last index at which the set of services or their counts changed. */
  private servicesIndex = 0;
  private applied = 0;

  constructor(
    private readonly limits: StateMachineLimits = DEFAULT_LIMITS,
    private readonly onChange: (change: Change) => void = () => undefined,
  ) {}

  get appliedIndex(): number {
    return this.applied;
  }

  apply(entry: { readonly index: number; readonly data: Uint8Array }): CommandResult {
    const cmd = decodeCommand(entry.data);
    const result = this.applyCommand(entry.index, cmd);
    this.applied = entry.index;
    return result;
  }

  /** For entries that carry no command (a new leader's no-op): the applied index still moves. */
  markApplied(index: number): void {
    if (index > this.applied) this.applied = index;
  }

  private applyCommand(index: number, cmd: Command): CommandResult {
    // The authoritative access check: on every node, for every entry, however it reached the log (proposed here,
    // forwarded by a follower, replayed from the WAL or a peer). It reads only the entry, so it is deterministic.
    const refused = refusal(cmd.type === CommandType.LeaseExpire ? undefined : cmd.principal, cmd);
    if (refused !== undefined) return { ok: false, reason: 'forbidden', message: refused };
    switch (cmd.type) {
      case CommandType.KvPut:
        return this.put(index, cmd.key, cmd.value, cmd.cas);
      case CommandType.KvDelete:
        return this.delete(index, cmd.key, cmd.cas);
      case CommandType.KvRollback: {
        const version = this.history.get(cmd.key)?.find((v) => v.modIndex === cmd.toModIndex);
        if (!version || version.value === null) {
          return { ok: false, modIndex: this.kv.get(cmd.key)?.modIndex ?? 0, reason: 'no-such-version' };
        }
        return this.put(index, cmd.key, version.value, cmd.cas);
      }
      case CommandType.ServiceRegister:
        return this.register(index, cmd);
      case CommandType.ServiceHeartbeat:
        return this.heartbeat(index, cmd.service, cmd.instanceId);
      case CommandType.ServiceDeregister:
        return this.removeInstance(index, cmd.service, cmd.instanceId) ? { ok: true } : { ok: false, reason: 'not-found' };
      case CommandType.LeaseExpire:
        return this.expire(index, cmd);
    }
  }

  private put(index: number, key: string, value: string, cas: number | undefined): KvWriteResult {
    const current = this.kv.get(key);
    if (cas !== undefined && (current?.modIndex ?? 0) !== cas) return { ok: false, modIndex: current?.modIndex ?? 0, reason: 'cas' };
    if (!current && !this.history.has(key) && this.keyCount() >= this.limits.maxKeys) {
      return { ok: false, modIndex: 0, reason: 'quota' };
    }
    const growth = value.length - (current?.value.length ?? 0) + this.historyGrowth(key, value.length);
    if (growth > 0 && this.valueChars + growth > this.limits.maxValueChars) return { ok: false, modIndex: current?.modIndex ?? 0, reason: 'quota' };
    if (!current && this.history.has(key)) this.deletedWithHistory--;
    this.kv.set(key, { key, value, createIndex: current?.createIndex ?? index, modIndex: index });
    this.valueChars += value.length - (current?.value.length ?? 0);
    this.recordVersion(key, { modIndex: index, value });
    this.onChange({ kind: 'kv', key, index });
    return { ok: true, modIndex: index };
  }

  private delete(index: number, key: string, cas: number | undefined): KvDeleteResult {
    const current = this.kv.get(key);
    if (cas !== undefined && (current?.modIndex ?? 0) !== cas) return { ok: false, modIndex: current?.modIndex ?? 0, reason: 'cas' };
    if (!current) return { ok: true, existed: false };
    this.kv.delete(key);
    this.valueChars -= current.value.length;
    this.kvDeleteIndex = index;
    this.recordVersion(key, { modIndex: index, value: null });
    if (this.history.has(key)) this.deletedWithHistory++;
    this.onChange({ kind: 'kv', key, index });
    return { ok: true, existed: true };
  }

  private recordVersion(key: string, version: KvVersion): void {
    if (!key.startsWith(this.limits.historyPrefix)) return;
    let versions = this.history.get(key);
    if (!versions) this.history.set(key, (versions = []));
    versions.push(version);
    this.valueChars += version.value?.length ?? 0;
    if (versions.length > this.limits.historyDepth) this.valueChars -= versions.shift()!.value?.length ?? 0;
  }

  /** How many value characters the history of `key` gains when a version of `length` is recorded. */
  private historyGrowth(key: string, length: number): number {
    if (!key.startsWith(this.limits.historyPrefix)) return 0;
    const versions = this.history.get(key);
    const dropped = versions && versions.length >= this.limits.historyDepth ? (versions[0]!.value?.length ?? 0) : 0;
    return length - dropped;
  }

  /** Deleted keys that still keep a history count against the quota too: they hold memory. */
  private keyCount(): number {
    return this.kv.size + this.deletedWithHistory;
  }

  private register(index: number, cmd: ServiceRegisterCommand): ServiceResult {
    let instances = this.services.get(cmd.service);
    const existing = instances?.get(cmd.instanceId);
    if (!existing && this.instanceCount >= this.limits.maxInstances) return { ok: false, reason: 'quota' };
    if (!instances) this.services.set(cmd.service, (instances = new Map()));
    instances.set(cmd.instanceId, {
      service: cmd.service,
      id: cmd.instanceId,
      address: cmd.address,
      port: cmd.port,
      meta: { ...cmd.meta },
      ttlMs: cmd.ttlMs,
      registerIndex: existing?.registerIndex ?? index,
      renewIndex: index,
    });
    if (!existing) {
      this.instanceCount++;
      this.servicesIndex = index;
    }
    this.serviceIndex.set(cmd.service, index);
    this.onChange({ kind: 'service', service: cmd.service, index });
    this.onChange({ kind: 'lease', service: cmd.service, instanceId: cmd.instanceId, index });
    return { ok: true };
  }

  private heartbeat(index: number, service: string, instanceId: string): ServiceResult {
    const instance = this.services.get(service)?.get(instanceId);
    if (!instance) return { ok: false, reason: 'not-found' };
    this.services.get(service)!.set(instanceId, { ...instance, renewIndex: index });
    // A heartbeat changes no one's view of the service: only the lease keeper hears about it.
    this.onChange({ kind: 'lease', service, instanceId, index });
    return { ok: true };
  }

  private expire(index: number, cmd: LeaseExpireCommand): ExpireResult {
    let expired = 0;
    for (const lease of cmd.leases) {
      const instance = this.services.get(lease.service)?.get(lease.instanceId);
      // A heartbeat or re-registration applied after the leader decided wins: the lease was renewed.
      if (!instance || instance.renewIndex !== lease.renewIndex) continue;
      this.removeInstance(index, lease.service, lease.instanceId);
      expired++;
    }
    return { expired };
  }

  private removeInstance(index: number, service: string, instanceId: string): boolean {
    const instances = this.services.get(service);
    if (!instances?.delete(instanceId)) return false;
    if (instances.size === 0) this.services.delete(service);
    this.instanceCount--;
    this.serviceIndex.set(service, index);
    this.servicesIndex = index;
    this.onChange({ kind: 'service', service, index });
    this.onChange({ kind: 'lease', service, instanceId, index });
    return true;
  }

  // ---- reads (local state; the API decides whether a read barrier comes first) ----

  get(key: string): KvEntry | undefined {
    return this.kv.get(key);
  }

  /** Keys starting with `prefix`, in key order. */
  list(prefix: string): KvEntry[] {
    const out: KvEntry[] = [];
    for (const entry of this.kv.values()) if (entry.key.startsWith(prefix)) out.push(entry);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Recent versions, newest first; undefined when the key keeps no history. */
  versions(key: string): readonly KvVersion[] | undefined {
    const versions = this.history.get(key);
    return versions ? [...versions].reverse() : undefined;
  }

  /** The index of the last change a blocking query on `key` (or the prefix `key`) must see. */
  kvChangeIndex(key: string, recurse: boolean): number {
    if (!recurse) return this.kv.get(key)?.modIndex ?? this.kvDeleteIndex;
    let index = this.kvDeleteIndex;
    for (const entry of this.kv.values()) if (entry.modIndex > index && entry.key.startsWith(key)) index = entry.modIndex;
    return index;
  }

  instances(service: string): InstanceRecord[] {
    const instances = this.services.get(service);
    if (!instances) return [];
    return [...instances.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  instance(service: string, instanceId: string): InstanceRecord | undefined {
    return this.services.get(service)?.get(instanceId);
  }

  allInstances(): IterableIterator<InstanceRecord> {
    const services = this.services;
    return (function* () {
      for (const instances of services.values()) yield* instances.values();
    })();
  }

  serviceCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of [...this.services.keys()].sort()) out[name] = this.services.get(name)!.size;
    return out;
  }

  serviceChangeIndex(service: string): number {
    return this.serviceIndex.get(service) ?? 0;
  }

  servicesChangeIndex(): number {
    return this.servicesIndex;
  }

  // ---- snapshots (Raft §7) ----

  /** Canonical bytes: maps are written in sorted key order, so equal states give equal snapshots. */
  snapshot(): Uint8Array {
    const byKey = <T>(entries: [string, T][]) => entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const shape: SnapshotShape = {
      v: SNAPSHOT_VERSION,
      appliedIndex: this.applied,
      kvDeleteIndex: this.kvDeleteIndex,
      servicesIndex: this.servicesIndex,
      kv: byKey([...this.kv.values()].map((e): [string, KvEntry] => [e.key, e])).map(([, e]) => [e.key, e.value, e.createIndex, e.modIndex]),
      history: byKey([...this.history.entries()]).map(([key, versions]) => [key, versions.map((v): [number, string | null] => [v.modIndex, v.value])]),
      serviceIndex: byKey([...this.serviceIndex.entries()]),
      instances: [...this.services.keys()].sort().flatMap((service) =>
        this.instances(service).map((i): SnapshotShape['instances'][number] => [
          i.service,
          i.id,
          i.address,
          i.port,
          Object.fromEntries(Object.entries(i.meta).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
          i.ttlMs,
          i.registerIndex,
          i.renewIndex,
        ]),
      ),
    };
    return new TextEncoder().encode(JSON.stringify(shape));
  }

  /** Replaces the whole state with a snapshot's; every watcher is woken (anything may have changed). */
  restore(data: Uint8Array): void {
    const shape = JSON.parse(new TextDecoder().decode(data)) as SnapshotShape;
    if (shape.v !== SNAPSHOT_VERSION) throw new Error(`unsupported registry snapshot version ${String(shape.v)}`);
    const changed = { keys: new Set([...this.kv.keys()]), services: new Set([...this.services.keys()]) };
    this.kv.clear();
    this.history.clear();
    this.services.clear();
    this.serviceIndex.clear();
    this.instanceCount = 0;
    this.deletedWithHistory = 0;
    for (const [key, value, createIndex, modIndex] of shape.kv) this.kv.set(key, { key, value, createIndex, modIndex });
    for (const [key, versions] of shape.history) this.history.set(key, versions.map(([modIndex, value]) => ({ modIndex, value })));
    for (const [service, index] of shape.serviceIndex) this.serviceIndex.set(service, index);
    for (const [service, id, address, port, meta, ttlMs, registerIndex, renewIndex] of shape.instances) {
      let instances = this.services.get(service);
      if (!instances) this.services.set(service, (instances = new Map()));
      instances.set(id, { service, id, address, port, meta, ttlMs, registerIndex, renewIndex });
      this.instanceCount++;
    }
    this.deletedWithHistory = [...this.history.keys()].filter((key) => !this.kv.has(key)).length;
    this.valueChars = 0;
    for (const entry of this.kv.values()) this.valueChars += entry.value.length;
    for (const versions of this.history.values()) for (const v of versions) this.valueChars += v.value?.length ?? 0;
    this.kvDeleteIndex = shape.kvDeleteIndex;
    this.servicesIndex = shape.servicesIndex;
    this.applied = shape.appliedIndex;
    for (const key of this.kv.keys()) changed.keys.add(key);
    for (const service of this.services.keys()) changed.services.add(service);
    for (const key of changed.keys) this.onChange({ kind: 'kv', key, index: this.applied });
    for (const service of changed.services) this.onChange({ kind: 'service', service, index: this.applied });
  }
}
