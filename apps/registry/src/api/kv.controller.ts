import { Controller, Delete, Get, Put, Req, Res } from '@nestjs/common';
import { ApiError, BodyBounds } from '@shop/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { readRefusal } from '../access/access-rules';
import { forbidden, principalOf } from '../access/request-principal';
import { CommandType, KvDeleteResult, KvWriteResult } from '../state-machine/commands';
import type { KvEntry } from '../state-machine/registry-state-machine';
import { flag, indexParam, KV_WRITE_BODY_BOUNDS, validateKey, valueFromBody, waitParam } from './http-rules';
import { isForwarded, RegistryApiService } from './registry-api.service';

type Query = Record<string, unknown>;
const keyOf = (request: FastifyRequest) => (request.params as { '*': string })['*'];

/** Values are stored as JSON text and spliced in as is: a read never parses or re-serializes a value. */
function entryJson(e: KvEntry): string {
  return `{"key":${JSON.stringify(e.key)},"value":${e.value},"createIndex":${e.createIndex},"modIndex":${e.modIndex}}`;
}

/** The config center's key-value API (配置中心): `/v1/kv/<key>`, keys may contain slashes. */
@Controller('v1/kv')
export class KvController {
  constructor(private readonly api: RegistryApiService) {}

  @Get('*')
  async get(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const query = request.query as Query;
    const recurse = flag(query, 'recurse');
    const key = validateKey(keyOf(request), { allowEmpty: recurse });
    const refused = readRefusal(principalOf(request), key);
    if (refused !== undefined) throw forbidden(refused);
    const sm = this.api.node.stateMachine;
    await this.api.readPoint({
      stale: flag(query, 'stale'),
      index: indexParam(query, 'index'),
      waitMs: waitParam(query),
      topic: { kind: 'kv', key, recurse },
      changeIndex: () => sm.kvChangeIndex(key, recurse),
      reply,
      client: request.ip,
    });
    reply.type('application/json');
    if (recurse) return `[${sm.list(key).map(entryJson).join(',')}]`;
    if (flag(query, 'history')) {
      const versions = sm.versions(key);
      if (!versions) throw new ApiError(404, 'not_found', `no history for ${key} (only keys under config/ keep one)`);
      return `[${versions.map((v) => `{"modIndex":${v.modIndex},"value":${v.value ?? 'null'},"deleted":${v.value === null}}`).join(',')}]`;
    }
    const entry = sm.get(key);
    if (!entry) throw new ApiError(404, 'not_found', `no key ${key}`);
    return entryJson(entry);
  }

  /** `?cas=M` writes only if the modIndex is M (0: absent); `?rollback=M` writes the value the key had at M. */
  @Put('*')
  @BodyBounds(KV_WRITE_BODY_BOUNDS)
  async put(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    const query = request.query as Query;
    const key = validateKey(keyOf(request), { allowEmpty: false });
    const cas = indexParam(query, 'cas');
    const rollback = indexParam(query, 'rollback');
    const outcome =
      rollback === undefined
        ? await this.api.write('kv-put', { type: CommandType.KvPut, key, value: valueFromBody(request.body), cas }, request, reply)
        : await this.api.write('kv-rollback', { type: CommandType.KvRollback, key, toModIndex: rollback, cas }, request, reply);
    if (isForwarded(outcome)) return outcome.body;
    const result = outcome.result as KvWriteResult;
    if (result.ok) return { ok: true, modIndex: result.modIndex };
    if (result.reason === 'quota') throw new ApiError(507, 'quota_exceeded', 'the store is full (10 000 keys or 8 Mi value characters, history included)');
    if (result.reason === 'forbidden') throw forbidden(result.message);
    if (result.reason === 'no-such-version') throw new ApiError(404, 'no_such_version', `${key} has no version ${rollback} in its history`);
    reply.code(409);
    return casConflict(result.modIndex);
  }

  @Delete('*')
  async delete(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    const key = validateKey(keyOf(request), { allowEmpty: false });
    const cas = indexParam(request.query as Query, 'cas');
    const outcome = await this.api.write('kv-delete', { type: CommandType.KvDelete, key, cas }, request, reply);
    if (isForwarded(outcome)) return outcome.body;
    const result = outcome.result as KvDeleteResult;
    if (result.ok) return { ok: true, modIndex: outcome.index };
    if (result.reason === 'forbidden') throw forbidden(result.message);
    reply.code(409);
    return casConflict(result.modIndex);
  }
}

/** The contract's CAS answer `{"ok":false,"modIndex":current}`, in the error shape as well. */
function casConflict(modIndex: number) {
  return { ok: false, modIndex, error: { code: 'cas_conflict', message: `the key's modIndex is ${modIndex}` } };
}
