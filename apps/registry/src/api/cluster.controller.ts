import { Controller, Get, Post, Query } from '@nestjs/common';
import { ApiError } from '@shop/common';
import { RegistryApiService } from './registry-api.service';
import { toApiError } from './http-rules';

/** How to inspect and operate the cluster: this node's view of Raft (no read barrier: it is about this node). */
@Controller('v1/cluster')
export class ClusterController {
  constructor(private readonly api: RegistryApiService) {}

  @Get()
  cluster() {
    const node = this.api.node;
    const s = node.status();
    return {
      id: s.id,
      role: s.role,
      term: s.term,
      leader: s.leader,
      leaderUrl: node.peerUrl(s.leader),
      commitIndex: s.commitIndex,
      appliedIndex: s.appliedIndex,
      members: s.members.map((id) => ({ id, url: node.peerUrl(id) })),
      blockingQueries: node.watches.waiting,
    };
  }

  /** Leader only: hand leadership to another member (before maintenance of the leader's machine). */
  @Post('transfer-leadership')
  async transfer(@Query('to') to: string | undefined) {
    const node = this.api.node;
    if (!to || !node.peerUrl(to) || to === node.nodeId) throw new ApiError(400, 'invalid_member', 'to must name another member');
    if (node.status().role !== 'leader') throw new ApiError(409, 'not_leader', 'ask the leader (see X-Raft-Leader)');
    try {
      await node.transferLeadership(to);
    } catch (error) {
      throw toApiError(error);
    }
    return { ok: true };
  }
}
