import { NodeId } from '../core/types';

/** This node cannot take the request; `leader` (and its URL) says where to go, when known. */
export class NotLeaderError extends Error {
  override readonly name = 'NotLeaderError';

  constructor(
    readonly leader: NodeId | null,
    readonly leaderUrl: string | null,
    /** 'transferring': this node is the leader but is handing leadership over; retry shortly. */
    readonly reason: 'not-leader' | 'transferring' = 'not-leader',
  ) {
    super(
      reason === 'transferring'
        ? 'leadership is being transferred; retry shortly'
        : `not the leader${leader ? `; the leader is ${leader}${leaderUrl ? ` at ${leaderUrl}` : ''}` : '; no leader is known'}`,
    );
  }
}

/** The leader has too many uncommitted entries (followers are slow or down); retry later. */
export class OverloadedError extends Error {
  override readonly name = 'OverloadedError';
}

/**
 * The request was not answered in time. For a proposal the outcome is unknown: the entry may still commit and
 * be applied later. Callers that retry must make their command idempotent (e.g. a compare-and-set).
 */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** The proposal is known to have failed: another leader's entry took its place in the log (Raft §5.3). */
export class ProposalDroppedError extends Error {
  override readonly name = 'ProposalDroppedError';
}

/** The host stopped (or failed) before the request finished; for a proposal the outcome is unknown. */
export class HostStoppedError extends Error {
  override readonly name = 'HostStoppedError';
}
