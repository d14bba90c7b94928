/**
 * The data that flows in and out of the pure Raft core. Shared by core/, storage/, transport/ and the host,
 * so that each can be written and tested on its own. Indexes and terms are plain numbers (safe integers).
 */

export type NodeId = string;

/** What an entry carries. `Normal` entries carry a state machine command; `Empty` is the no-op a new leader
 *  appends to commit entries of earlier terms (Raft §5.4.2, §8). */
export enum EntryType {
  Normal = 0,
  Empty = 1,
}

/** One log entry (the seed's 日志: index, term, command). */
export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly type: EntryType;
  /** Opaque to Raft; the state machine decodes it. Empty for `EntryType.Empty`. */
  readonly data: Uint8Array;
}

/** What must be durable before any message that depends on it is sent (Raft Figure 2, "persistent state"). */
export interface HardState {
  readonly term: number;
  /** The candidate this node voted for in `term`, or '' for none. */
  readonly vote: NodeId;
  readonly commit: number;
}

export interface SnapshotMetadata {
  /** Index and term of the last entry the snapshot covers. */
  readonly index: number;
  readonly term: number;
  /** Cluster members at `index`. */
  readonly members: readonly NodeId[];
}

export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  readonly data: Uint8Array;
}

export enum MessageType {
  /** Local: start an election now (used by leadership transfer and tests). */
  Hup = 'Hup',
  PreVote = 'PreVote',
  PreVoteResponse = 'PreVoteResponse',
  Vote = 'Vote',
  VoteResponse = 'VoteResponse',
  Append = 'Append',
  AppendResponse = 'AppendResponse',
  Heartbeat = 'Heartbeat',
  HeartbeatResponse = 'HeartbeatResponse',
  Snapshot = 'Snapshot',
  TimeoutNow = 'TimeoutNow',
  ReadIndex = 'ReadIndex',
  ReadIndexResponse = 'ReadIndexResponse',
}
// Proposals, leadership transfers, snapshot reports and unreachable peers reach the core through its methods
// (propose, transferLeadership, reportSnapshot, reportUnreachable), never as messages: no type for them.

/**
 * One message between peers, or a local input to `step`. A single shape for every type (as etcd's raftpb)
 * keeps the transport and the simulator simple; fields a type does not use are left at their defaults.
 */
export interface Message {
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  /** Append: prevLogIndex; Vote/PreVote: candidate's lastLogIndex; AppendResponse: the index matched or rejected. */
  readonly index: number;
  /** Append: prevLogTerm; Vote/PreVote: candidate's lastLogTerm; AppendResponse (reject): term of the conflict hint. */
  readonly logTerm: number;
  readonly entries: readonly Entry[];
  /** Append/Heartbeat: the leader's commit index. */
  readonly commit: number;
  readonly reject: boolean;
  /** AppendResponse (reject): the follower's hint where to go back to (fast backtracking). */
  readonly rejectHint: number;
  readonly snapshot?: Snapshot;
  /** ReadIndex / heartbeat round trips: opaque request context. */
  readonly context?: string;
}

/** A linearizable read that may be served once `index` is applied (thesis §6.4, ReadIndex). */
export interface ReadState {
  readonly index: number;
  readonly context: string;
}

export enum Role {
  Follower = 'follower',
  PreCandidate = 'pre-candidate',
  Candidate = 'candidate',
  Leader = 'leader',
}

export interface SoftState {
  readonly leader: NodeId | null;
  readonly role: Role;
}

/**
 * What the core asks its host to do after a batch of inputs, in this order (etcd's Ready):
 *  1. persist `hardState`, `entries` and `snapshot` durably (fsync) -- before anything below;
 *  2. send `messages`;
 *  3. apply `committed` entries to the state machine, in order; serve `readStates` once applied;
 *  4. call `advance(ready)`.
 */
export interface Ready {
  readonly softState: SoftState;
  /** True when `hardState` (term or vote) or `entries` or `snapshot` must be fsynced before step 2; a Ready that
   *  only moves the commit index or carries messages may skip the fsync. */
  readonly mustSync: boolean;
  readonly hardState: HardState | null;
  readonly entries: readonly Entry[];
  readonly snapshot: Snapshot | null;
  readonly committed: readonly Entry[];
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
}

/** Injected randomness: the core never calls Math.random(). Returns an integer in [0, n). */
export type RandomInt = (n: number) => number;
