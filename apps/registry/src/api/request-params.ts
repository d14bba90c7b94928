import type { ServerResponse } from 'node:http';
import { ArgumentMetadata, createParamDecorator, ExecutionContext, Injectable, PipeTransform } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../access/access-rules';
import { principalOf } from '../access/request-principal';
import { flag, indexParam, validateKey, validateName, valueFromBody, waitParam } from './http-rules';

/**
 * How the client API reads its path, query and body: each part parsed and validated once, here, so that a
 * handler receives typed values (the bounds and their 400s are in http-rules.ts).
 */

/** `@Param('service', ValidName)`: a service or instance name of the safe alphabet (400 `invalid_name`). */
@Injectable()
export class ValidName implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    return validateName(metadata.data ?? 'name', value);
  }
}

const requestOf = (context: ExecutionContext) => context.switchToHttp().getRequest<FastifyRequest>();
const queryOf = (context: ExecutionContext) => requestOf(context).query as Record<string, unknown>;

/** The key a KV write names in `/v1/kv/<key>` (it may contain slashes; never empty): 400 `invalid_key`. */
export const KvKey = createParamDecorator((_: unknown, context: ExecutionContext): string => validateKey((requestOf(context).params as { '*': string })['*'], { allowEmpty: false }));

/** A query index such as `?cas=M`: a non-negative integer, or undefined when absent (400 `invalid_query`). */
export const QueryIndex = createParamDecorator((name: string, context: ExecutionContext): number | undefined => indexParam(queryOf(context), name));

/** What a KV write sets: the body's value as JSON text, or the key's value at `?rollback=M` (no body read then). */
export type KvChange = { readonly value: string } | { readonly rollbackTo: number };

/** The body `{"value": <any JSON>}` (400; 413 over the limit) unless `?rollback=M` (400 `invalid_query`). */
export const KvChange = createParamDecorator((_: unknown, context: ExecutionContext): KvChange => {
  const rollbackTo = indexParam(queryOf(context), 'rollback');
  return rollbackTo === undefined ? { value: valueFromBody(requestOf(context).body) } : { rollbackTo };
});

/** What a read asks of consistency and blocking (`?stale`, `?index=N&wait=30s`), and who asks. */
export interface ReadOptions {
  readonly stale: boolean;
  /** Block until what is read changed past this index; undefined: answer now. */
  readonly index: number | undefined;
  readonly waitMs: number;
  /** Who asks: the client's address (its share of the node's blocking queries is bounded) and its principal. */
  readonly client: string;
  readonly caller: Principal;
  /** The open response, whose socket a long wait keeps and whose close ends the wait. */
  readonly connection: ServerResponse;
}

function readOptionsOf(context: ExecutionContext): ReadOptions {
  const request = requestOf(context);
  const query = request.query as Record<string, unknown>;
  return {
    stale: flag(query, 'stale'),
    index: indexParam(query, 'index'),
    waitMs: waitParam(query),
    client: request.ip,
    caller: principalOf(request),
    connection: context.switchToHttp().getResponse<{ raw: ServerResponse }>().raw,
  };
}

export const ReadOptions = createParamDecorator((_: unknown, context: ExecutionContext): ReadOptions => readOptionsOf(context));

/** What a KV read answers: one entry, a prefix's entries (`?recurse`), or a key's recent versions (`?history`). */
export type KvView = 'entry' | 'prefix' | 'history';

/** `GET /v1/kv/<key>`: the key (empty only for `?recurse`), what to answer, and the read options, as one parameter. */
export interface KvRead extends ReadOptions {
  readonly key: string;
  readonly view: KvView;
}

export const KvRead = createParamDecorator((_: unknown, context: ExecutionContext): KvRead => {
  const query = queryOf(context);
  const view: KvView = flag(query, 'recurse') ? 'prefix' : flag(query, 'history') ? 'history' : 'entry';
  const key = validateKey((requestOf(context).params as { '*': string })['*'], { allowEmpty: view === 'prefix' });
  return { key, view, ...readOptionsOf(context) };
});
