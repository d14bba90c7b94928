import { CallHandler, ExecutionContext, Injectable, NestInterceptor, UseInterceptors } from '@nestjs/common';
import { ApiError } from '@shop/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, Observable } from 'rxjs';
import { NotLeader } from '../raft/consensus';
import { RegistryNode } from '../raft/registry-node';
import { FORWARDED_HEADER, toApiError } from './http-rules';
import { countWrite, ForwardToLeader, RegistryApiService } from './registry-api.service';

/** Between two attempts while the leader we knew refuses connections. */
const RETRY_MS = 100;

/**
 * Writes go to the leader: a follower's handler throws ForwardToLeader (RegistryApiService.write), and this
 * proxies the HTTP request to the leader and answers with the leader's answer (status, body, Raft headers).
 * A request that was already forwarded once is never forwarded again (no loops while leadership moves): it
 * gets 503 and is retried by the client. A leader that refuses connections died and an election is under
 * way: nothing was sent, so the handler runs again once a new leader is known, until `leaderWaitMs`.
 */
@Injectable()
export class LeaderWriteInterceptor implements NestInterceptor {
  constructor(
    private readonly api: RegistryApiService,
    private readonly node: RegistryNode,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    return from(this.atLeader(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), () => lastValueFrom(next.handle())));
  }

  private async atLeader(request: FastifyRequest, reply: FastifyReply, handle: () => Promise<unknown>): Promise<unknown> {
    const deadline = performance.now() + this.node.options.leaderWaitMs;
    for (;;) {
      try {
        return await handle();
      } catch (error) {
        if (!(error instanceof ForwardToLeader)) throw error;
        if (request.headers[FORWARDED_HEADER]) {
          countWrite(error.command, 'error');
          throw toApiError(new NotLeader(error.leader));
        }
        const answer = await this.api.forward(error.leader, request, reply);
        if (answer !== null) {
          countWrite(error.command, 'forwarded');
          return answer;
        }
        if (performance.now() >= deadline) {
          countWrite(error.command, 'error');
          throw new ApiError(503, 'leader_unreachable', `the leader ${error.leader} refuses connections`, { 'Retry-After': '1' });
        }
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }
}

/** A write handler: proposed here when this node leads, else forwarded to the leader (LeaderWriteInterceptor). */
export const LeaderWrite = (): MethodDecorator => UseInterceptors(LeaderWriteInterceptor);
