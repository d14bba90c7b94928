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
import { refusal } from '../access/access-rules';
import { forbidden, principalOf } from '../access/request-principal';
import { FORWARDED_HEADER, toApiError } from './http-rules';

const writes = new Counter({
  name: 'registry_writes_total',
  help: 'Client writes by command and outcome (local: proposed here; forwarded: proxied to the leader)',
  labelNames: ['command', 'outcome'] as const,
  registers: [metricsRegistry],
});
const reads = new Counter({
  name: 'registry_reads_total',
  help: 'Client reads by consistency mode (linearizable, stale) and whether they blocked',
  labelNames: ['mode', 'blocking'] as const,
  registers: [metricsRegistry],
});

/** A write that was not proposed here: the leader's answer, to send back as is. */
export interface Forwarded {
  readonly forwarded: true;
  readonly status: number;
  readonly body: string;
}

const COPIED_RESPONSE_HEADERS = ['content-type', 'x-raft-index', 'x-raft-leader', 'retry-after'];
/** The leader answers a forwarded write with a small JSON object. */
const MAX_FORWARDED_ANSWER_BYTES = 1024 * 1024;

/**
 * What every handler of the client API shares: writes go to the leader (proposed here, or the HTTP request is
 * proxied to the leader's URL), reads are linearizable through a read barrier unless `?stale`, and blocking
 * queries sleep on the watch hub.
 */
@Injectable()
export class RegistryApiService implements OnApplicationShutdown {
  private readonly agent = new Agent({ connections: 64, headersTimeout: 15_000, bodyTimeout: 15_000, connectTimeout: 2_000, keepAliveTimeout: 30_000 });

  constructor(readonly node: RegistryNode) {}

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close();
  }

  /**
   * Proposes `cmd` if this node leads; otherwise forwards the request to the leader. A request that was already
   * forwarded once is never forwarded again (no loops while leadership moves): it gets 503 and is retried.
   * The command carries who asked; a write its principal may not make is refused here, before it costs a log
   * entry, and again by the state machine when applied (access-rules.ts): 403 either way.
   */
  async write(name: string, command: Command, request: FastifyRequest, reply: FastifyReply): Promise<{ index: number; result: unknown } | Forwarded> {
    const cmd = command.type === CommandType.LeaseExpire ? command : { ...command, principal: principalOf(request) };
    const refused = refusal(principalOf(request), cmd);
    if (refused !== undefined) {
      writes.labels(name, 'forbidden').inc();
      throw forbidden(refused);
    }
    const deadline = performance.now() + this.node.options.leaderWaitMs;
    for (;;) {
      try {
        const outcome = await this.node.propose(cmd);
        const result = outcome.result as { ok?: boolean; reason?: string; message?: string };
        if (result.ok === false && result.reason === 'forbidden') {
          writes.labels(name, 'forbidden').inc();
          throw forbidden(result.message ?? 'forbidden');
        }
        writes.labels(name, 'local').inc();
        return outcome;
      } catch (error) {
        if (!(error instanceof NotLeader) || !error.leader || request.headers[FORWARDED_HEADER]) {
          writes.labels(name, 'error').inc();
          throw toApiError(error);
        }
        const forwarded = await this.forward(error.leader, request, reply);
        if (forwarded) {
          writes.labels(name, 'forwarded').inc();
          return forwarded;
        }
        // The leader we know refused the connection (it died; an election is under way): nothing was sent,
        // so asking again once a new leader is known is safe.
        if (performance.now() >= deadline) {
          writes.labels(name, 'error').inc();
          throw new ApiError(503, 'leader_unreachable', `the leader ${error.leader} refuses connections`, { 'Retry-After': '1' });
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Proxies the request to the leader; null when the connection was refused (the request was not sent). */
  private async forward(leader: string, request: FastifyRequest, reply: FastifyReply): Promise<Forwarded | null> {
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
      return { forwarded: true, status: res.statusCode, body: text };
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
  async readPoint(opts: {
    stale: boolean;
    index: number | undefined;
    waitMs: number;
    topic: WatchTopic;
    changeIndex: () => number;
    reply: FastifyReply;
    /** Who asks (the client's address): its share of the node's blocking queries is bounded. */
    client: string;
  }): Promise<void> {
    reads.labels(opts.stale ? 'stale' : 'linearizable', opts.index === undefined ? 'no' : 'yes').inc();
    try {
      if (!opts.stale) await this.node.readBarrier();
      if (opts.index === undefined || opts.changeIndex() > opts.index) return;
      // The server's idle-socket timeout (30 s) would cut a longer wait: this socket may stay silent that long.
      opts.reply.raw.setTimeout(opts.waitMs + 10_000);
      const gone = new AbortController();
      const onClose = () => gone.abort();
      opts.reply.raw.once('close', onClose);
      try {
        const changed = await this.node.watches.wait(opts.topic, opts.index, opts.waitMs, gone.signal, opts.client);
        if (changed && !opts.stale) await this.node.readBarrier();
      } finally {
        opts.reply.raw.off('close', onClose);
      }
    } catch (error) {
      // A read that timed out changed nothing: 503, so that the client asks another node (504 is for writes).
      if (error instanceof ProposalTimeout) throw new ApiError(503, 'read_timeout', error.message, { 'Retry-After': '1' });
      throw toApiError(error);
    }
  }
}

export function isForwarded(x: unknown): x is Forwarded {
  return typeof x === 'object' && x !== null && (x as Forwarded).forwarded === true;
}

function connectionRefused(error: unknown): boolean {
  const codes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (codes.has((e as { code?: string }).code ?? '')) return true;
  }
  return false;
}
