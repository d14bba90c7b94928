import { Controller, Get, Post, Query } from '@nestjs/common';
import { ApiError } from '@shop/common';
import { RegistryNode } from '../raft/registry-node';
import { toApiError } from './http-rules';

/** How to inspect and operate the cluster: this node's view of Raft (no read barrier: it is about this node). */
@Controller('v1/cluster')
export class ClusterController {
  constructor(private readonly node: RegistryNode) {}

  @Get()
  cluster() {
    const s = this.node.status();
    return {
      id: s.id,
      role: s.role,
      term: s.term,
      leader: s.leader,
      leaderUrl: this.node.peerUrl(s.leader),
      commitIndex: s.commitIndex,
      appliedIndex: s.appliedIndex,
      members: s.members.map((id) => ({ id, url: this.node.peerUrl(id) })),
      blockingQueries: this.node.watches.waiting,
    };
  }

  /** Leader only: hand leadership to another member (before maintenance of the leader's machine). */
  @Post('transfer-leadership')
  async transfer(@Query('to') to: string | undefined) {
    if (!to || !this.node.peerUrl(to) || to === this.node.nodeId) throw new ApiError(400, 'invalid_member', 'to must name another member');
    if (this.node.status().role !== 'leader') throw new ApiError(409, 'not_leader', 'ask the leader (see X-Raft-Leader)');
    await this.node.transferLeadership(to).catch((error: unknown) => {
      throw toApiError(error);
    });
    return { ok: true };
  }
}
