import { ApiError, BodyBounds, errorBody } from '@shop/common';
import type { FastifyInstance } from 'fastify';
import type { Principal } from '../access/access-rules';
import { rememberPrincipal } from '../access/request-principal';
import { NoLeader } from '../raft/registry-node';
import { NotLeader, ProposalTimeout, Unavailable } from '../raft/consensus';
import type { RegistryNode } from '../raft/registry-node';
import { TooManyClientWaitersError, TooManyWaitersError } from '../watch/watch-hub';

/** The contract's bounds. */
export const MAX_KEY_BYTES = 512;
export const MAX_VALUE_BYTES = 512 * 1024;
/**
 * Bodies of the routes that take none or a registration (32 meta entries of 256 characters fit): small, flat.
 * KV writes take `KV_WRITE_BODY_BOUNDS`.
 */
export const REGISTRY_BODY_BOUNDS: BodyBounds = { maxBytes: 32 * 1024, maxDepth: 4, maxArrayLength: 100 };
/**
 * `{"value": <any JSON>}`: a 512 KiB value plus its JSON wrapping fits; anything larger is refused with 413
 * before parsing. Any shape a config value needs, but not the depth at which JSON.stringify overflows the stack.
 */
export const KV_WRITE_BODY_BOUNDS: BodyBounds = { maxBytes: 600 * 1024, maxDepth: 64, maxArrayLength: MAX_VALUE_BYTES };
/**
 * Blocking queries a node holds at once: each is an open request (a socket and a few KiB), so 10 000 stay within
 * tens of MiB. One client (an address: a pod, or a whole host when the apps share 127.0.0.1 as `npm run stack`
 * does, about 50 watches for the whole shop) may hold a tenth of them; beyond it, 429 with Retry-After.
 */
export const MAX_BLOCKING_QUERIES = 10_000;
export const MAX_BLOCKING_QUERIES_PER_CLIENT = 1_000;
export const DEFAULT_WAIT_MS = 60_000;
export const MAX_WAIT_MS = 5 * 60_000;

export const FORWARDED_HEADER = 'x-registry-forwarded';

/** Routes that answer without a token: probes and Prometheus scrapes carry none. */
const OPEN_ROUTES = new Set(['/health', '/metrics']);

/**
 * A bearer credential on every call but the open routes (the operator's REGISTRY_TOKEN or a service's own
 * credential, see access/service-credentials.ts), checked before the body is read (an unauthenticated request
 * costs no parsing and changes nothing); who it is goes with the request to the handlers and into the command.
 * Deny by default, decided on the route the router matched, never on the raw URL: `/%761/kv/x` is routed as
 * `/v1/kv/x`. A write a follower forwards carries the client's own Authorization header, so the leader
 * authenticates it itself: no node vouches for a caller it did not check.
 */
export function installTokenCheck(fastify: FastifyInstance, authenticate: (authorization: string | undefined) => Principal | undefined): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url;
    if (route !== undefined && OPEN_ROUTES.has(route)) return done();
    const principal = authenticate(request.headers.authorization);
    if (principal) {
      rememberPrincipal(request, principal);
      return done();
    }
    reply.code(401).header('www-authenticate', 'Bearer').type('application/json').send(errorBody('unauthorized', 'missing or wrong bearer token'));
  });
}

/** X-Raft-Index (this node's applied index) and X-Raft-Leader (the leader's URL) on every response. */
export function installRaftHeaders(fastify: FastifyInstance, node: RegistryNode): void {
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (!reply.hasHeader('x-raft-index')) reply.header('x-raft-index', String(node.appliedIndex));
    if (!reply.hasHeader('x-raft-leader')) {
      const leader = node.peerUrl(node.status().leader);
      if (leader) reply.header('x-raft-leader', leader);
    }
    done(null, payload);
  });
}

/** Maps consensus failures to the contract's statuses. */
export function toApiError(error: unknown): unknown {
  if (error instanceof NoLeader || (error instanceof NotLeader && !error.leader)) {
    return new ApiError(503, 'no_leader', error.message, { 'Retry-After': '1' });
  }
  if (error instanceof NotLeader) return new ApiError(503, 'not_leader', error.message, { 'Retry-After': '1' });
  if (error instanceof Unavailable) return new ApiError(503, 'unavailable', error.message, { 'Retry-After': '1' });
  if (error instanceof ProposalTimeout) return new ApiError(504, 'commit_timeout', error.message);
  if (error instanceof TooManyWaitersError) return new ApiError(503, 'too_many_waiters', error.message, { 'Retry-After': '1' });
  if (error instanceof TooManyClientWaitersError) return new ApiError(429, 'too_many_client_waiters', error.message, { 'Retry-After': '5' });
  return error;
}

export function validateKey(key: string, opts: { allowEmpty: boolean }): string {
  if (key === '' && opts.allowEmpty) return key;
  if (key === '') throw new ApiError(400, 'invalid_key', 'the key is empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new ApiError(400, 'invalid_key', `keys are at most ${MAX_KEY_BYTES} bytes`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new ApiError(400, 'invalid_key', 'keys may not contain control characters');
  return key;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function validateName(what: string, name: string): string {
  if (!NAME.test(name)) throw new ApiError(400, 'invalid_name', `${what} must match ${NAME.source}`);
  return name;
}

/** Query flags such as `?recurse` or `?stale` are present with any value (or none). */
export function flag(query: Record<string, unknown>, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(query, name);
}

export function indexParam(query: Record<string, unknown>, name: string): number | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw)) throw new ApiError(400, 'invalid_query', `${name} must be a non-negative integer`);
  return Number(raw);
}

/** `wait=30s`, `500ms`, `5m`, or a bare number of seconds; capped at MAX_WAIT_MS. */
export function waitParam(query: Record<string, unknown>): number {
  const raw = query.wait;
  if (raw === undefined) return DEFAULT_WAIT_MS;
  const match = typeof raw === 'string' ? /^(\d{1,9})(ms|s|m)?$/.exec(raw) : null;
  if (!match) throw new ApiError(400, 'invalid_query', 'wait must look like 500ms, 30s or 5m');
  const unit = match[2] === 'ms' ? 1 : match[2] === 'm' ? 60_000 : 1000;
  return Math.min(Number(match[1]) * unit, MAX_WAIT_MS);
}

/** The body of a KV write: `{"value": <any JSON>}` and nothing else; returns the value as JSON text. */
export function valueFromBody(body: unknown): string {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new ApiError(400, 'invalid_body', 'the body must be JSON: {"value": <any JSON>}');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !('value' in parsed)) {
    throw new ApiError(400, 'invalid_body', 'the body must be {"value": <any JSON>}');
  }
  const extra = Object.keys(parsed).filter((k) => k !== 'value');
  if (extra.length > 0) throw new ApiError(400, 'invalid_body', `unknown fields: ${extra.join(', ')}`);
  const text = JSON.stringify((parsed as { value: unknown }).value);
  if (text === undefined) throw new ApiError(400, 'invalid_body', 'value must be JSON');
  if (Buffer.byteLength(text, 'utf8') > MAX_VALUE_BYTES) throw new ApiError(413, 'value_too_large', `values are at most ${MAX_VALUE_BYTES} bytes`);
  return text;
}
