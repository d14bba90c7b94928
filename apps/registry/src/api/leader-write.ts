import { ArgumentsHost, Catch, ExceptionFilter, Injectable, UseFilters } from '@nestjs/common';
import { ApiError, ErrorShapeFilter } from '@shop/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotLeader } from '../raft/consensus';
import { RegistryNode } from '../raft/registry-node';
import { FORWARDED_HEADER, toApiError } from './http-rules';
import { countWrite, ForwardToLeader, RegistryApiService } from './registry-api.service';

/** Between two attempts while the leader we knew refuses connections. */
const RETRY_MS = 100;

/**
 * Writes go to the leader: on a follower, RegistryApiService.write throws ForwardToLeader, and this proxies the
 * HTTP request to the leader and answers with the leader's answer (status, body, Raft headers). A request that
 * was already forwarded once is never forwarded again (no loops while leadership moves): it gets 503 and is
 * retried by the client. A leader that refuses connections died and an election is under way: nothing was
 * sent, so the request goes to the next leader known (this node included) until `leaderWaitMs`.
 * An exception filter, not an interceptor: a write on the leader, the common case, pays nothing for it.
 */
@Catch(ForwardToLeader)
@Injectable()
export class LeaderForwarding implements ExceptionFilter {
  private readonly errors = new ErrorShapeFilter();

  constructor(
    private readonly api: RegistryApiService,
    private readonly node: RegistryNode,
  ) {}

  async catch(signal: ForwardToLeader, host: ArgumentsHost): Promise<void> {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    try {
      reply.send(await this.atLeader(signal, http.getRequest<FastifyRequest>(), reply));
    } catch (error) {
      this.errors.catch(error, host);
    }
  }

  private async atLeader(signal: ForwardToLeader, request: FastifyRequest, reply: FastifyReply): Promise<string> {
    if (request.headers[FORWARDED_HEADER]) {
      countWrite(signal.command, 'error');
      throw toApiError(new NotLeader(signal.leader));
    }
    const deadline = performance.now() + this.node.options.leaderWaitMs;
    let tried = signal.leader;
    for (let leader: string | null = signal.leader; ; leader = this.node.status().leader) {
      tried = leader ?? tried;
      const answer = leader === null ? null : await this.api.forward(leader, request, reply);
      if (answer !== null) {
        countWrite(signal.command, 'forwarded');
        return answer;
      }
      if (performance.now() >= deadline) {
        countWrite(signal.command, 'error');
        throw new ApiError(503, 'leader_unreachable', `the leader ${tried} refuses connections`, { 'Retry-After': '1' });
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}

/** A write handler: proposed here when this node leads, else forwarded to the leader (LeaderForwarding). */
export const LeaderWrite = (): MethodDecorator => UseFilters(LeaderForwarding);
