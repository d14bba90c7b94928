/**
 * What the registry needs from Raft (libs/raft's RaftHost, adapted in raft-consensus.ts). Kept this narrow so
 * that the API and the lease keeper read as registry logic, not as host plumbing.
 */
export interface ConsensusStatus {
  readonly id: string;
  readonly role: string;
  readonly term: number;
  /** Leader id, or null while none is known. */
  readonly leader: string | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly members: readonly string[];
}

export interface Consensus {
  /** Resolves once the command is committed and applied on this node, with what apply() returned. Rejects
   *  with NotLeader (nothing was appended), ProposalTimeout (outcome unknown) or another error. */
  propose(data: Uint8Array, opts: { timeoutMs: number }): Promise<{ index: number; result: unknown }>;
  /** Resolves once this node has applied everything committed before the call (ReadIndex, thesis §6.4). */
  readBarrier(opts: { timeoutMs: number }): Promise<void>;
  status(): ConsensusStatus;
  /** Counters of the Raft host (snapshots taken and installed, fsyncs) for metrics and tests. */
  counters(): Readonly<Record<string, number>>;
  transferLeadership(to: string): Promise<void>;
  stop(): Promise<void>;
}

/** This node is not the leader; `leader` is the one it knows, if any. Nothing was proposed. */
export class NotLeader extends Error {
  constructor(readonly leader: string | null) {
    super(leader ? `not the leader; the leader is ${leader}` : 'not the leader, and no leader is known');
    this.name = 'NotLeader';
  }
}

/** The proposal may or may not commit later: its outcome is unknown (HTTP 504). */
export class ProposalTimeout extends Error {
  constructor(message = 'the write was proposed but not known to be committed in time') {
    super(message);
    this.name = 'ProposalTimeout';
  }
}

/** Nothing was committed, and another attempt may succeed shortly (overloaded leader, a leadership transfer,
 *  a proposal replaced by a new leader's entry). HTTP 503 with Retry-After. */
export class Unavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Unavailable';
  }
}
