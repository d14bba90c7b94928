import type { Principal } from '../access/access-rules';

/**
 * The commands of the registry's replicated state machine: what a client write becomes once it is in the Raft
 * log. Every field a command needs to be applied deterministically is inside it (no clock, no local state),
 * who asked included: `principal`, set by the node that authenticated the request, judged by access-rules.ts
 * when the entry is applied.
 */

export enum CommandType {
  KvPut = 1,
  KvDelete = 2,
  KvRollback = 3,
  ServiceRegister = 4,
  ServiceHeartbeat = 5,
  ServiceDeregister = 6,
  LeaseExpire = 7,
}

export interface KvPutCommand {
  readonly type: CommandType.KvPut;
  readonly key: string;
  /** The value as JSON text: stored and served as is, never re-serialized. */
  readonly value: string;
  /** Write only if the key's modIndex is `cas` (0: only if absent). */
  readonly cas?: number;
  /** Who asked (absent: the operator, see access-rules.ts). */
  readonly principal?: Principal;
}

export interface KvDeleteCommand {
  readonly type: CommandType.KvDelete;
  readonly key: string;
  readonly cas?: number;
  /** Who asked (absent: the operator, see access-rules.ts). */
  readonly principal?: Principal;
}

/** Rollback is an ordinary write of the value the key had at `toModIndex` (taken from the key's history). */
export interface KvRollbackCommand {
  readonly type: CommandType.KvRollback;
  readonly key: string;
  readonly toModIndex: number;
  readonly cas?: number;
  /** Who asked (absent: the operator, see access-rules.ts). */
  readonly principal?: Principal;
}

export interface ServiceRegisterCommand {
  readonly type: CommandType.ServiceRegister;
  readonly service: string;
  readonly instanceId: string;
  readonly address: string;
  readonly port: number;
  readonly meta: Readonly<Record<string, string>>;
  readonly ttlMs: number;
  /** Who asked (absent: the operator, see access-rules.ts). */
  readonly principal?: Principal;
}

export interface ServiceHeartbeatCommand {
  readonly type: CommandType.ServiceHeartbeat;
  readonly service: string;
  readonly instanceId: string;
  /** Who asked (absent: the operator, see access-rules.ts). */
  readonly principal?: Principal;
}

export interface ServiceDeregisterCommand {
  readonly type: CommandType.ServiceDeregister;
  readonly service: string;
  readonly instanceId: string;
  /** Who asked (absent: the operator, see access-rules.ts). */
  readonly principal?: Principal;
}

/**
 * Proposed by the leader only, for leases its monotonic clock saw pass. `renewIndex` is the lease renewal the
 * leader saw: if a heartbeat was applied after the leader decided (a newer renewIndex), the instance stays.
 */
export interface LeaseExpireCommand {
  readonly type: CommandType.LeaseExpire;
  readonly leases: readonly { readonly service: string; readonly instanceId: string; readonly renewIndex: number }[];
}

export type Command =
  | KvPutCommand
  | KvDeleteCommand
  | KvRollbackCommand
  | ServiceRegisterCommand
  | ServiceHeartbeatCommand
  | ServiceDeregisterCommand
  | LeaseExpireCommand;

/** A command its principal may not apply (access-rules.ts): nothing changed. */
export type ForbiddenResult = { readonly ok: false; readonly reason: 'forbidden'; readonly message: string };

/** What applying a command answers to the client that proposed it. */
export type KvWriteResult =
  | ForbiddenResult
  | { readonly ok: true; readonly modIndex: number }
  /** CAS failed (`modIndex`: the current one, 0 when absent) or the rollback target is not in the history. */
  | { readonly ok: false; readonly modIndex: number; readonly reason: 'cas' | 'no-such-version' | 'quota' };

export type KvDeleteResult = { readonly ok: true; readonly existed: boolean } | { readonly ok: false; readonly modIndex: number; readonly reason: 'cas' } | ForbiddenResult;

export type ServiceResult = { readonly ok: true } | { readonly ok: false; readonly reason: 'not-found' | 'quota' } | ForbiddenResult;

export type ExpireResult = { readonly expired: number } | ForbiddenResult;

export type CommandResult = KvWriteResult | KvDeleteResult | ServiceResult | ExpireResult;
