import { Entry, HardState, Message, NodeId, RandomInt, Ready, Role, Snapshot } from './types';

/**
 * Configuration of one Raft node. Time is counted in ticks: the host calls `tick()` at a fixed interval
 * (e.g. every 100 ms), so `electionTick: 10` means an election timeout of 1 to 2 seconds.
 */
export interface RaftConfig {
  readonly id: NodeId;
  /** Every voter of the cluster, this node included. */
  readonly peers: readonly NodeId[];
  /** T of Raft §5.2: a follower that hears no leader for a random number of ticks in [T, 2T) campaigns. */
  readonly electionTick: number;
  /** The leader sends heartbeats every `heartbeatTick` ticks; must be smaller than `electionTick`. */
  readonly heartbeatTick: number;
  /** The only source of randomness (election timeouts). Seeded in tests. */
  readonly random: RandomInt;
  /** Thesis §9.6: ask for votes without raising the term first. Default true. */
  readonly preVote?: boolean;
  /** Thesis §6.2: a leader that has not heard from a majority for an election timeout steps down. Default true. */
  readonly checkQuorum?: boolean;
  /** At most this many entries in one Append message. Default 64. */
  readonly maxMsgEntries?: number;
  /** At most about this many bytes of entry data in one Append message (at least one entry is sent). Default 1 MiB. */
  readonly maxMsgBytes?: number;
  /** At most this many Append messages in flight to one follower while replicating. Default 256. */
  readonly maxInflightMsgs?: number;
  /** The leader refuses proposals while more than this many entries are appended but not committed. Default 10 000. */
  readonly maxUncommittedEntries?: number;
  /** At most this many ReadIndex requests wait at the leader. Default 4096. */
  readonly maxPendingReads?: number;
}

/** What the host recovered from disk at start-up; absent for a brand new node. */
export interface InitialState {
  readonly hardState: HardState;
  /** The latest snapshot the host holds (its data is sent to followers that fell behind the compacted log). */
  readonly snapshot: Snapshot | null;
  /** The persisted log after the snapshot, contiguous and in index order. */
  readonly entries: readonly Entry[];
  /** Highest index already applied to a state machine that survives restarts. Defaults to the snapshot's index:
   *  the host restores the state machine from the snapshot and is handed the rest again as committed entries. */
  readonly applied?: number;
}

/** Why the leader-only operations refused. */
export type Refusal = 'not-leader' | 'transferring' | 'overloaded';

export type ProposeResult =
  | {
      readonly accepted: true;
      /** Where the proposal sits. It has been applied if and only if the entry applied at `index` has `term`;
       *  an entry with another term at that index means the proposal was lost (it can never commit). */
      readonly index: number;
      readonly term: number;
    }
  | { readonly accepted: false; readonly reason: Refusal; readonly leader: NodeId | null };

export enum ProgressState {
  /** The leader does not know where the follower's log matches; it sends one Append at a time. */
  Probe = 'probe',
  /** The logs match up to `match`; the leader streams Appends, bounded by the in-flight window. */
  Replicate = 'replicate',
  /** The follower needs entries that were compacted away; a snapshot is on its way. */
  Snapshot = 'snapshot',
}

export interface PeerStatus {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly recentActive: boolean;
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId;
  readonly leader: NodeId | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly leadTransferee: NodeId | null;
  /** Only on the leader; empty elsewhere. */
  readonly progress: Readonly<Record<NodeId, PeerStatus>>;
}

/**
 * One Raft node as a pure state machine (after etcd's raft). Inputs: `tick`, `step`, `propose`, `readIndex`,
 * `transferLeadership`, `compact`. Outputs: a `Ready` batch. No I/O, timers, clocks or Math.random in here.
 *
 * The host loop (see `Ready` in types.ts):
 *   if (node.hasReady()) { const rd = node.ready(); persist(rd); send(rd.messages); apply(rd); node.advance(rd); }
 * Inputs may be given between `ready()` and `advance()` (e.g. while an fsync runs), but `ready()` must not be
 * called again before `advance()`.
 */
export class RaftNode {
  constructor(config: RaftConfig, initial?: InitialState) {
    void config;
    void initial;
    throw new Error('RaftNode: not implemented yet');
  }

  /** Advance logical time by one tick: election timeout on followers/candidates, heartbeats and
   *  check-quorum on the leader. */
  tick(): void {
    throw new Error('not implemented');
  }

  /** Feed one message from a peer (or a local message such as Hup). Messages of a stale term are answered or
   *  dropped as Raft §5.1 says; never throws for a well-formed message. */
  step(msg: Message): void {
    void msg;
    throw new Error('not implemented');
  }

  /** Leader only: append a command to the log. The entry reaches the host in a later `Ready`. */
  propose(data: Uint8Array): ProposeResult {
    void data;
    throw new Error('not implemented');
  }

  /** Ask for a linearizable read point. `context` must be unique per request; the answer arrives as a
   *  ReadState in a later Ready (the read may be served once `applied >= readState.index`). No answer (for
   *  example when leadership is lost) means the host must time the request out. Followers forward the request
   *  to the leader they know; without a known leader the request is dropped. */
  readIndex(context: string): void {
    void context;
    throw new Error('not implemented');
  }

  /** Leader only: hand leadership to `to` (thesis §3.10). Returns false when this node is not leader or `to`
   *  is not a peer. Proposals are refused with 'transferring' until the transfer ends or is abandoned after an
   *  election timeout. */
  transferLeadership(to: NodeId): boolean {
    void to;
    throw new Error('not implemented');
  }

  /** The host durably stored a snapshot of the state machine at `index` (<= applied): drop the log up to it and
   *  keep the snapshot to send to followers behind the compacted log (Raft §7). Produces no Ready. */
  compact(index: number, data: Uint8Array): void {
    void index;
    void data;
    throw new Error('not implemented');
  }

  hasReady(): boolean {
    throw new Error('not implemented');
  }

  ready(): Ready {
    throw new Error('not implemented');
  }

  /** The host has persisted, sent and applied everything in `rd`. */
  advance(rd: Ready): void {
    void rd;
    throw new Error('not implemented');
  }

  status(): RaftStatus {
    throw new Error('not implemented');
  }
}
