import { Injectable } from '@nestjs/common';
import { ApiError } from '@shop/common';
import type { Principal } from '../access/access-rules';
import { readRefusal } from '../access/access-rules';
import { forbidden } from '../access/request-principal';
import { CommandType, KvDeleteResult, KvPutCommand, KvRollbackCommand, KvWriteResult } from '../state-machine/commands';
import type { KvEntry } from '../state-machine/registry-state-machine';
import { RegistryApiService } from './registry-api.service';
import type { KvChange, KvRead } from './request-params';

/** A failed compare-and-swap: 409 with the key's current modIndex (CasConflictFilter). */
export class CasConflict extends Error {
  constructor(readonly modIndex: number) {
    super(`the key's modIndex is ${modIndex}`);
    this.name = 'CasConflict';
  }
}

/** Values are stored as JSON text and spliced in as is: a read never parses or re-serializes a value. */
function entryJson(e: KvEntry): string {
  return `{"key":${JSON.stringify(e.key)},"value":${e.value},"createIndex":${e.createIndex},"modIndex":${e.modIndex}}`;
}

/** The config center's key-value store (配置中心) as the client API answers it: JSON text for reads. */
@Injectable()
export class KvService {
  constructor(private readonly api: RegistryApiService) {}

  async read(read: KvRead): Promise<string> {
    const { key, view } = read;
    const refused = readRefusal(read.caller, key);
    if (refused !== undefined) throw forbidden(refused);
    const sm = this.api.node.stateMachine;
    const recurse = view === 'prefix';
    await this.api.readPoint(read, { kind: 'kv', key, recurse }, () => sm.kvChangeIndex(key, recurse));
    if (recurse) return `[${sm.list(key).map(entryJson).join(',')}]`;
    if (view === 'history') {
      const versions = sm.versions(key);
      if (!versions) throw new ApiError(404, 'not_found', `no history for ${key} (only keys under config/ keep one)`);
      return `[${versions.map((v) => `{"modIndex":${v.modIndex},"value":${v.value ?? 'null'},"deleted":${v.value === null}}`).join(',')}]`;
    }
    const entry = sm.get(key);
    if (!entry) throw new ApiError(404, 'not_found', `no key ${key}`);
    return entryJson(entry);
  }

  /** A new value, or the value the key had at `rollbackTo` (an ordinary write, with its own new modIndex). */
  async write(key: string, change: KvChange, cas: number | undefined, caller: Principal) {
    const command: KvPutCommand | KvRollbackCommand =
      'value' in change ? { type: CommandType.KvPut, key, value: change.value, cas } : { type: CommandType.KvRollback, key, toModIndex: change.rollbackTo, cas };
    const result = (await this.api.write(command, caller)).result as KvWriteResult;
    if (result.ok) return { ok: true, modIndex: result.modIndex };
    if (result.reason === 'quota') throw new ApiError(507, 'quota_exceeded', 'the store is full (10 000 keys or 8 Mi value characters, history included)');
    if (result.reason === 'forbidden') throw forbidden(result.message);
    if (result.reason === 'no-such-version') throw new ApiError(404, 'no_such_version', `${key} has no version ${'rollbackTo' in change ? change.rollbackTo : ''} in its history`);
    throw new CasConflict(result.modIndex);
  }

  async delete(key: string, cas: number | undefined, caller: Principal) {
    const outcome = await this.api.write({ type: CommandType.KvDelete, key, cas }, caller);
    const result = outcome.result as KvDeleteResult;
    if (result.ok) return { ok: true, modIndex: outcome.index };
    if (result.reason === 'forbidden') throw forbidden(result.message);
    throw new CasConflict(result.modIndex);
  }
}
