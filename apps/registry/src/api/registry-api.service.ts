import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ApiError, currentRequestId, readBoundedText, REQUEST_ID_HEADER } from '@shop/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter } from 'prom-client';
import { Agent, request as httpRequest } from 'undici';
import { metricsRegistry } from '@shop/common';
import { NotLeader, ProposalTimeout } from '../raft/consensus';
import { RegistryNode } from '../raft/registry-node';
import { Command, CommandType } from '../state-machine/commands';
import { WatchTopic } from '../watch/watch-hub';
import { Principal, refusal } from '../access/access-rules';
import { forbidden } from '../access/request-principal';
import { FORWARDED_HEADER, toApiError } from './http-rules';
import type { ReadOptions } from './request-params';

const writes = new Counter({
  name: 'registry_writes_total',
  help: 'Client writes by command and outcome (local: proposed here; forwarded: proxied to the leader)',
  labelNames: ['command', 'outcome'] as const,
  registers: [metricsRegistry],
});
/** The `command` label of registry_writes_total. */
const WRITE_LABEL: Readonly<Record<ClientCommand['type'], string>> = {
  [CommandType.KvPut]: 'kv-put',
  [CommandType.KvDelete]: 'kv-delete',
  [CommandType.KvRollback]: 'kv-rollback',
  [CommandType.ServiceRegister]: 'register',
  [CommandType.ServiceHeartbeat]: 'heartbeat',
  [CommandType.ServiceDeregister]: 'deregister',
};

export function countWrite(command: string, outcome: 'local' | 'forwarded' | 'forbidden' | 'error'): void {
  writes.labels(command, outcome).inc();
}

/** A command a client may send (lease expiry is the leader's own). */
export type ClientCommand = Exclude<Command, { type: CommandType.LeaseExpire }>;

/** This node does not lead and knows who does: LeaderWrite forwards the HTTP request there. */
export class ForwardToLeader extends Error {
  constructor(
    readonly leader: string,
    /** The write's registry_writes_total label. */
    readonly command: string,
  ) {
    super(`forward to ${leader}`);
    this.name = 'ForwardToLeader';
  }
}
const reads = new Counter({
  name: 'registry_reads_total',
  help: 'Client reads by consistency mode (linearizable, stale) and whether they blocked',
  labelNames: ['mode', 'blocking'] as const,
  registers: [metricsRegistry],
});


const COPIED_RESPONSE_HEADERS = ['content-type', 'x-raft-index', 'x-raft-leader', 'retry-after'];
/** The leader answers a forwarded write with a small JSON object. */
const MAX_FORWARDED_ANSWER_BYTES = 1024 * 1024;

/**
 * What every handler of the client API shares: writes are proposed here when this node leads (else LeaderWrite
 * proxies the HTTP request to the leader with `forward`), reads are linearizable through a read barrier unless
 * `?stale`, and blocking queries sleep on the watch hub.
 */
@Injectable()
export class RegistryApiService implements OnApplicationShutdown {
  private readonly agent = new Agent({ connections: 64, headersTimeout: 15_000, bodyTimeout: 15_000, connectTimeout: 2_000, keepAliveTimeout: 30_000 });

  constructor(readonly node: RegistryNode) {}

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close();
  }

  /**
   * Proposes `cmd` on this node, with who asked. A write its principal may not make is refused here, before it
   * costs a log entry, and again by the state machine when applied (access-rules.ts): 403 either way. NotLeader
   * with a known leader becomes ForwardToLeader, for LeaderWrite; other failures answer as the contract says.
   */
  async write(command: ClientCommand, principal: Principal): Promise<{ index: number; result: unknown }> {
    const name = WRITE_LABEL[command.type];
    const cmd = { ...command, principal };
    const refused = refusal(principal, cmd);
    if (refused !== undefined) {
      countWrite(name, 'forbidden');
      throw forbidden(refused);
    }
    let outcome: { index: number; result: unknown };
    try {
      outcome = await this.node.propose(cmd);
    } catch (error) {
      if (error instanceof NotLeader && error.leader) throw new ForwardToLeader(error.leader, name);
      countWrite(name, 'error');
      throw toApiError(error);
    }
    const result = outcome.result as { ok?: boolean; reason?: string; message?: string };
    if (result.ok === false && result.reason === 'forbidden') {
      countWrite(name, 'forbidden');
      throw forbidden(result.message ?? 'forbidden');
    }
    countWrite(name, 'local');
    return outcome;
  }

  /** Proxies the request to the leader; null when the connection was refused (the request was not sent). */
  async forward(leader: string, request: FastifyRequest, reply: FastifyReply): Promise<string | null> {
    const base = this.node.peerUrl(leader);
    if (!base) throw new ApiError(503, 'no_leader', `leader ${leader} has no known URL`, { 'Retry-After': '1' });
    const headers: Record<string, string> = { [FORWARDED_HEADER]: this.node.nodeId };
    if (request.headers.authorization) headers.authorization = request.headers.authorization;
    const requestId = currentRequestId();
    if (requestId) headers[REQUEST_ID_HEADER] = requestId;
    let body: string | undefined;
    if (request.body !== undefined && request.body !== null) {
      body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
      headers['content-type'] = 'application/json';
    }
    try {
      const res = await httpRequest(`${base}${request.url}`, { method: request.method as 'PUT', headers, body, dispatcher: this.agent });
      const text = await readBoundedText(res.body, MAX_FORWARDED_ANSWER_BYTES, "the leader's answer");
      for (const name of COPIED_RESPONSE_HEADERS) {
        const value = res.headers[name];
        if (typeof value === 'string') reply.header(name, value);
      }
      reply.code(res.statusCode);
      return text;
    } catch (error) {
      if (connectionRefused(error)) return null;
      // Sent, but no answer: the leader may have applied it.
      throw new ApiError(504, 'commit_timeout', `the leader ${leader} did not answer; the write's outcome is unknown (${String(error)})`);
    }
  }

  /**
   * Waits until the read may be served: a read barrier unless stale; then, for a blocking query, until what it
   * watches changed past `index` (or the wait ended), and a barrier again so the answer is not older than the
   * change that woke it.
   */
  async readPoint(read: ReadOptions, topic: WatchTopic, changeIndex: () => number): Promise<void> {
    reads.labels(read.stale ? 'stale' : 'linearizable', read.index === undefined ? 'no' : 'yes').inc();
    try {
      if (!read.stale) await this.node.readBarrier();
      if (read.index === undefined || changeIndex() > read.index) return;
      // The server's idle-socket timeout (30 s) would cut a longer wait: this socket may stay silent that long.
      read.connection.setTimeout(read.waitMs + 10_000);
      const gone = new AbortController();
      const onClose = () => gone.abort();
      read.connection.once('close', onClose);
      try {
        const changed = await this.node.watches.wait(topic, read.index, read.waitMs, gone.signal, read.client);
        if (changed && !read.stale) await this.node.readBarrier();
      } finally {
        read.connection.off('close', onClose);
      }
    } catch (error) {
      // A read that timed out changed nothing: 503, so that the client asks another node (504 is for writes).
      if (error instanceof ProposalTimeout) throw new ApiError(503, 'read_timeout', error.message, { 'Retry-After': '1' });
      throw toApiError(error);
    }
  }
}

function connectionRefused(error: unknown): boolean {
  const codes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (codes.has((e as { code?: string }).code ?? '')) return true;
  }
  return false;
}
