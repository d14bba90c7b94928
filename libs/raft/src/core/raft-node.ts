import { ProgressState } from './progress-state';
import { Progress } from './progress';
import { majorityIndex, quorumSize, tallyVotes, VoteResult } from './quorum';
import { RaftLog } from './raft-log';
import { ReadOnly } from './read-only';
import {
  Entry,
  EntryType,
  HardState,
  Message,
  MessageType,
  NodeId,
  RandomInt,
  Ready,
  ReadState,
  Role,
  Snapshot,
  SoftState,
} from './types';

export { ProgressState };

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
  /** At most this many committed entries in one Ready. Default 4096. */
  readonly maxCommittedPerReady?: number;
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

/** No node: an empty vote or an unknown leader (as HardState.vote spells it). */
const NONE: NodeId = '';
/** Marks the Vote messages of a leadership transfer: voters grant them even while they hear from a leader. */
export const CAMPAIGN_TRANSFER = 'campaign-transfer';

/** Message types only the local host may step; the transport must drop them when they come from the network. */
export const LOCAL_MESSAGE_TYPES: ReadonlySet<MessageType> = new Set([MessageType.Hup]);

/**
 * Whether the host may step `m` when it came from the network: local-only types are refused, and so is any
 * message without a term except a forwarded ReadIndex (a term-0 message skips the term checks of Raft §5.1).
 */
export function acceptsFromNetwork(m: Message): boolean {
  if (LOCAL_MESSAGE_TYPES.has(m.type)) return false;
  return m.term > 0 || m.type === MessageType.ReadIndex;
}

enum Campaign {
  PreElection,
  Election,
  Transfer,
}

type MessageInit = Partial<Message> & Pick<Message, 'type' | 'to'>;

/**
 * One Raft node as a pure state machine (after etcd's raft). Inputs: `tick`, `step`, `propose`, `readIndex`,
 * `transferLeadership`, `compact`, `report*`. Outputs: a `Ready` batch. No I/O, timers, clocks or Math.random.
 *
 * The host loop (see `Ready` in types.ts):
 *   if (node.hasReady()) { const rd = node.ready(); persist(rd); send(rd.messages); apply(rd); node.advance(rd); }
 * Inputs may be given between `ready()` and `advance()` (e.g. while an fsync runs); `hasReady()` is false and
 * `ready()` throws until the outstanding Ready is advanced.
 */
export class RaftNode {
  readonly id: NodeId;
  private readonly peers: readonly NodeId[];
  private readonly electionTimeout: number;
  private readonly heartbeatTimeout: number;
  private readonly random: RandomInt;
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly maxMsgEntries: number;
  private readonly maxMsgBytes: number;
  private readonly maxInflightMsgs: number;
  private readonly maxUncommittedEntries: number;
  private readonly maxPendingReads: number;
  private readonly maxCommittedPerReady: number;

  /** Raft §5.1 (任期): the latest term this node has seen; never decreases. Persisted. */
  private term = 0;
  /** Raft §5.2 (投票): whom this node voted for in `term`, NONE if nobody. At most one per term. Persisted. */
  private vote: NodeId = NONE;
  private role = Role.Follower;
  /** The leader of `term` as far as this node knows. */
  private lead: NodeId = NONE;
  private readonly log: RaftLog;

  /** Follower/candidate: ticks since the last sign of a leader (or own campaign). Leader: ticks since the last
   *  check-quorum round. */
  private electionElapsed = 0;
  /** Leader: ticks since the last heartbeat broadcast. */
  private heartbeatElapsed = 0;
  /** Raft §5.2: redrawn in [electionTimeout, 2 * electionTimeout) whenever the term or role is reset. */
  private randomizedElectionTimeout: number;
  /** Candidate/pre-candidate: answers received in this campaign (true = granted). */
  private readonly votes = new Map<NodeId, boolean>();
  /** Leader: one entry per voter, this node included. */
  private readonly progress = new Map<NodeId, Progress>();
  /** Leader: the peer leadership is being handed to (thesis §3.10), NONE otherwise. */
  private leadTransferee: NodeId = NONE;
  private readonly readOnly: ReadOnly;
  /** Leader: ReadIndex requests that wait until an entry of this term commits (thesis §6.4, step 1). */
  private pendingReadIndexMessages: Message[] = [];
  /** Leader: proposals were appended since the last Append broadcast; they go out, batched, with the next Ready. */
  private appendsPending = false;

  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  /** What the host was last handed, to emit only changes. */
  private prevHardState: HardState;
  private prevSoftState: SoftState;
  private outstanding: Ready | null = null;

  constructor(config: RaftConfig, initial?: InitialState) {
    if (!config.peers.includes(config.id)) throw new Error(`RaftNode: peers must include this node (${config.id})`);
    if (new Set(config.peers).size !== config.peers.length) throw new Error('RaftNode: duplicate peer ids');
    if (config.peers.includes(NONE)) throw new Error('RaftNode: a peer id must not be empty');
    if (!(config.heartbeatTick >= 1 && config.electionTick > config.heartbeatTick)) {
      throw new Error('RaftNode: need 1 <= heartbeatTick < electionTick');
    }
    this.id = config.id;
    this.peers = [...config.peers];
    this.electionTimeout = config.electionTick;
    this.heartbeatTimeout = config.heartbeatTick;
    this.random = config.random;
    this.preVote = config.preVote ?? true;
    this.checkQuorum = config.checkQuorum ?? true;
    this.maxMsgEntries = config.maxMsgEntries ?? 64;
    this.maxMsgBytes = config.maxMsgBytes ?? 1024 * 1024;
    this.maxInflightMsgs = config.maxInflightMsgs ?? 256;
    this.maxUncommittedEntries = config.maxUncommittedEntries ?? 10_000;
    this.maxPendingReads = config.maxPendingReads ?? 4096;
    this.maxCommittedPerReady = config.maxCommittedPerReady ?? 4096;
    this.readOnly = new ReadOnly(this.maxPendingReads);

    if (initial) {
      this.log = RaftLog.recover(initial.snapshot, initial.entries, initial.hardState.commit, initial.applied);
      this.term = initial.hardState.term;
      this.vote = initial.hardState.vote;
    } else {
      this.log = new RaftLog();
    }
    this.prevHardState = this.hardState();
    this.randomizedElectionTimeout = this.electionTimeout;
    // Raft §5.2: every node starts as a follower.
    this.becomeFollower(this.term, NONE);
    this.prevSoftState = this.softState();
  }

  // ---------------------------------------------------------------- inputs

  /** Advance logical time by one tick: election timeout on followers and candidates, heartbeats and
   *  check-quorum on the leader. */
  tick(): void {
    if (this.role === Role.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  /**
   * Feed one message from a peer, or a local Hup (start an election now). Raft §5.1: a message of a higher term
   * makes this node adopt that term (and step down); a message of a lower term is answered with the current
   * term or dropped. Throws only when the protocol's safety would be broken (a bug, never a bad peer).
   */
  step(m: Message): void {
    if (m.term === 0) {
      // A local message, or one a peer forwards on behalf of the host (ReadIndex): no term to check.
    } else if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const force = m.context === CAMPAIGN_TRANSFER;
        // Thesis §4.2.3: while a leader is heard from, ignore (pre)votes of a node that was cut off, so that it
        // cannot depose a healthy leader when it comes back (Consul #1782).
        const leaderRecentlyHeard = this.checkQuorum && this.lead !== NONE && this.electionElapsed < this.electionTimeout;
        if (!force && leaderRecentlyHeard) return;
      }
      if (m.type === MessageType.PreVote) {
        // Thesis §9.6: a pre-vote never changes our term.
      } else if (m.type === MessageType.PreVoteResponse && !m.reject) {
        // Our pre-vote term is term + 1; the term moves when the real election starts.
      } else {
        const fromLeader =
          m.type === MessageType.Append || m.type === MessageType.Heartbeat || m.type === MessageType.Snapshot;
        this.becomeFollower(m.term, fromLeader ? m.from : NONE);
      }
    } else if (m.term < this.term) {
      // Raft §5.1: a stale request is rejected with our term, so its sender learns it is out of date.
      if (m.type === MessageType.Append || m.type === MessageType.Heartbeat) {
        this.send({ type: MessageType.AppendResponse, to: m.from });
      } else if (m.type === MessageType.PreVote) {
        this.send({ type: MessageType.PreVoteResponse, to: m.from, term: this.term, reject: true });
      } else if (m.type === MessageType.Vote) {
        this.send({ type: MessageType.VoteResponse, to: m.from, term: this.term, reject: true });
      }
      return;
    }

    switch (m.type) {
      case MessageType.Hup:
        this.hup(this.preVote ? Campaign.PreElection : Campaign.Election);
        return;
      case MessageType.Vote:
      case MessageType.PreVote:
        this.handleVoteRequest(m);
        return;
    }
    switch (this.role) {
      case Role.Leader:
        this.stepLeader(m);
        return;
      case Role.Candidate:
      case Role.PreCandidate:
        this.stepCandidate(m);
        return;
      case Role.Follower:
        this.stepFollower(m);
        return;
    }
  }

  /** Leader only: append a command to the log (Raft §5.3). The entry reaches the host in a later `Ready`. */
  propose(data: Uint8Array): ProposeResult {
    if (this.role !== Role.Leader) return { accepted: false, reason: 'not-leader', leader: this.leaderOrNull() };
    // Thesis §3.10: stop taking proposals while handing over, so the target can catch up.
    if (this.leadTransferee !== NONE) return { accepted: false, reason: 'transferring', leader: this.id };
    if (this.log.lastIndex() - this.log.committed >= this.maxUncommittedEntries) {
      return { accepted: false, reason: 'overloaded', leader: this.id };
    }
    const entry = this.appendEntry(EntryType.Normal, data);
    this.appendsPending = true;
    return { accepted: true, index: entry.index, term: entry.term };
  }

  /**
   * Ask for a linearizable read point (thesis §6.4). `context` must be non-empty and unique per request (say,
   * node id and a counter); the answer arrives as a ReadState in a later Ready, and the read may be served once
   * `applied >= readState.index`. No answer (for example when leadership is lost) means the host must time the
   * request out. A follower forwards the request to the leader it knows; without a known leader it is dropped.
   */
  readIndex(context: string): void {
    if (context === '') throw new Error('RaftNode.readIndex: the context must not be empty');
    this.step(this.message({ type: MessageType.ReadIndex, to: this.id, term: 0, context }));
  }

  /**
   * Leader only: hand leadership to `to` (thesis §3.10): bring it up to date, then tell it to campaign at once.
   * Returns false when this node is not leader or `to` is not another voter. Proposals are refused with
   * 'transferring' until the transfer ends or is abandoned after an election timeout.
   */
  transferLeadership(to: NodeId): boolean {
    if (this.role !== Role.Leader || to === this.id || !this.progress.has(to)) return false;
    if (this.leadTransferee === to) return true;
    this.abortLeaderTransfer();
    // The transfer must finish within one election timeout (checked in tickHeartbeat).
    this.electionElapsed = 0;
    this.leadTransferee = to;
    const pr = this.progress.get(to) as Progress;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else this.sendAppend(to);
    return true;
  }

  /**
   * The host durably stored a snapshot of the state machine at `index` (<= applied): drop the log up to it and
   * keep the snapshot to send to followers behind the compacted log (Raft §7). Produces no Ready: the host
   * itself drops the covered entries from its WAL. Keep some entries behind `applied` so that slightly
   * lagging followers are caught up from the log rather than with a snapshot.
   */
  compact(index: number, data: Uint8Array): void {
    if (index < this.log.firstIndex()) return;
    const term = this.log.term(index);
    if (term === undefined || index > this.log.applied) {
      throw new Error(`RaftNode.compact: index ${index} is not applied (applied ${this.log.applied})`);
    }
    this.log.compact({ index, term, members: this.peers }, data);
  }

  /** Leader: the transport could not reach `peer`; stop pipelining to it until it answers again. */
  reportUnreachable(peer: NodeId): void {
    const pr = this.progress.get(peer);
    if (this.role === Role.Leader && pr?.state === ProgressState.Replicate) pr.becomeProbe();
  }

  /** Leader: the transport finished (ok) or failed to send a snapshot to `peer`. A failure retries it at once
   *  instead of after an election timeout. */
  reportSnapshot(peer: NodeId, ok: boolean): void {
    const pr = this.progress.get(peer);
    if (this.role !== Role.Leader || pr?.state !== ProgressState.Snapshot) return;
    if (!ok) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    // Wait for the follower's answer (or a heartbeat) before the next probe.
    pr.probeSent = true;
  }

  // ---------------------------------------------------------------- outputs

  hasReady(): boolean {
    if (this.outstanding) return false;
    const soft = this.softState();
    return (
      soft.role !== this.prevSoftState.role ||
      soft.leader !== this.prevSoftState.leader ||
      !sameHardState(this.hardState(), this.prevHardState) ||
      this.appendsPending ||
      this.log.hasUnstableEntries() ||
      this.log.pendingSnapshot !== null ||
      this.log.hasNextCommitted() ||
      this.msgs.length > 0 ||
      this.readStates.length > 0
    );
  }

  /** Everything the host must do now, in the order documented on `Ready`. */
  ready(): Ready {
    if (this.outstanding) throw new Error('RaftNode.ready: the previous Ready was not advanced');
    if (this.appendsPending) {
      this.appendsPending = false;
      // Batching: all proposals since the last Ready share the Append messages of one broadcast, pipelined up
      // to each follower's in-flight window.
      if (this.role === Role.Leader) this.bcastNewEntries();
    }
    const hardState = this.hardState();
    const hardStateChanged = !sameHardState(hardState, this.prevHardState);
    const entries = this.log.unstableEntries();
    const snapshot = this.log.pendingSnapshot;
    const rd: Ready = {
      softState: this.softState(),
      mustSync:
        entries.length > 0 ||
        snapshot !== null ||
        hardState.term !== this.prevHardState.term ||
        hardState.vote !== this.prevHardState.vote,
      hardState: hardStateChanged ? hardState : null,
      entries,
      snapshot,
      committed: this.log.nextCommitted(this.maxCommittedPerReady),
      messages: this.msgs,
      readStates: this.readStates,
    };
    this.msgs = [];
    this.readStates = [];
    this.prevHardState = hardState;
    this.prevSoftState = rd.softState;
    this.outstanding = rd;
    return rd;
  }

  /** The host has persisted, sent and applied everything in `rd` (the Ready last returned by `ready()`). */
  advance(rd: Ready): void {
    if (rd !== this.outstanding) throw new Error('RaftNode.advance: not the outstanding Ready');
    this.outstanding = null;
    if (rd.snapshot) {
      if (this.log.pendingSnapshot === rd.snapshot) this.log.pendingSnapshot = null;
      this.log.appliedTo(Math.min(rd.snapshot.metadata.index, this.log.committed));
    }
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1];
      this.log.stableTo(last.index, last.term);
    }
    if (rd.committed.length > 0) this.log.appliedTo(rd.committed[rd.committed.length - 1].index);
  }

  status(): RaftStatus {
    const progress: Record<NodeId, PeerStatus> = {};
    if (this.role === Role.Leader) {
      for (const [id, pr] of this.progress) {
        progress[id] = { match: pr.match, next: pr.next, state: pr.state, recentActive: pr.recentActive };
      }
    }
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.leaderOrNull(),
      commitIndex: this.log.committed,
      appliedIndex: this.log.applied,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      leadTransferee: this.leadTransferee === NONE ? null : this.leadTransferee,
      progress,
    };
  }

  /** The term of the entry at `index` in this node's log: undefined when compacted away or beyond the end.
   *  For diagnostics and the simulator's safety checks. */
  termAt(index: number): number | undefined {
    return this.log.term(index);
  }

  // ---------------------------------------------------------------- roles

  /** Raft §5.1: a node that learns of a higher term, or of the leader of its term, is a follower. */
  private becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.role = Role.Follower;
    this.lead = lead;
  }

  /** Thesis §9.6: ask whether an election could be won before disturbing anyone with a higher term. */
  private becomePreCandidate(): void {
    if (this.role === Role.Leader) throw new Error('RaftNode: a leader cannot become pre-candidate');
    this.votes.clear();
    this.role = Role.PreCandidate;
    this.lead = NONE;
  }

  /** Raft §5.2 (候选人): increment the term and vote for itself. */
  private becomeCandidate(): void {
    if (this.role === Role.Leader) throw new Error('RaftNode: a leader cannot become candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = Role.Candidate;
  }

  /**
   * Raft §5.2, §8: the winner appends a no-op entry of its own term. Until that entry commits the leader cannot
   * know which earlier entries are committed (§5.4.2), so it neither counts them nor answers ReadIndex.
   */
  private becomeLeader(): void {
    if (this.role === Role.Follower) throw new Error('RaftNode: a follower cannot become leader');
    this.reset(this.term);
    this.role = Role.Leader;
    this.lead = this.id;
    // Raft Figure 2: nextIndex starts just after the leader's last entry, matchIndex at 0.
    const lastIndex = this.log.lastIndex();
    for (const peer of this.peers) this.progress.set(peer, new Progress(lastIndex + 1, this.maxInflightMsgs));
    const self = this.progress.get(this.id) as Progress;
    self.match = lastIndex;
    self.becomeReplicate();
    self.recentActive = true;
    this.appendEntry(EntryType.Empty, new Uint8Array(0));
  }

  /** Clear everything that belongs to one term and role. The vote survives unless the term changes. */
  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    // Raft §5.2: a fresh random timeout in [T, 2T) makes split votes rare.
    this.randomizedElectionTimeout = this.electionTimeout + this.random(this.electionTimeout);
    this.abortLeaderTransfer();
    this.votes.clear();
    this.progress.clear();
    this.readOnly.reset();
    this.pendingReadIndexMessages = [];
    this.appendsPending = false;
  }

  // ---------------------------------------------------------------- ticks

  /** Raft §5.2: a follower or candidate that hears nothing for its election timeout starts an election. */
  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step(this.message({ type: MessageType.Hup, to: this.id, term: 0 }));
    }
  }

  /** Raft §5.2: the leader sends heartbeats; check-quorum and the transfer deadline run once per election timeout. */
  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    for (const [id, pr] of this.progress) {
      if (id === this.id || pr.state !== ProgressState.Snapshot) continue;
      // The transport may lose a snapshot silently: after an election timeout, probe again.
      if (++pr.snapshotTicks >= this.electionTimeout) {
        pr.pendingSnapshot = 0;
        pr.becomeProbe();
      }
    }
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      // Check-quorum (the seed's 脑裂 split brain): a leader cut off from a majority steps down, so that a
      // minority side never goes on acting as leader.
      if (this.checkQuorum && !this.maybeConfirmQuorumActive()) {
        this.becomeFollower(this.term, NONE);
        return;
      }
      // Thesis §3.10: a transfer that did not finish within an election timeout is abandoned.
      this.abortLeaderTransfer();
    }
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  }

  /** Whether a majority (this node included) answered since the last check; starts a new round. */
  private maybeConfirmQuorumActive(): boolean {
    let active = 0;
    for (const [id, pr] of this.progress) {
      if (id === this.id || pr.recentActive) active++;
      if (id !== this.id) pr.recentActive = false;
    }
    return active >= quorumSize(this.peers.length);
  }

  // ---------------------------------------------------------------- elections

  private hup(campaign: Campaign): void {
    if (this.role === Role.Leader) return;
    this.campaign(campaign);
  }

  /** Raft §5.2: vote for itself and ask every other voter; §5.4.1: the request carries the last log index and term. */
  private campaign(campaign: Campaign): void {
    let voteType: MessageType;
    let term: number;
    if (campaign === Campaign.PreElection) {
      this.becomePreCandidate();
      voteType = MessageType.PreVote;
      // The term this node would campaign in; its own term stays until the pre-vote succeeds.
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = MessageType.Vote;
      term = this.term;
    }
    if (this.poll(this.id, true) === VoteResult.Won) {
      // A single-voter cluster wins at once.
      if (campaign === Campaign.PreElection) this.campaign(Campaign.Election);
      else this.becomeLeader();
      return;
    }
    for (const peer of this.peers) {
      if (peer === this.id) continue;
      this.send({
        type: voteType,
        to: peer,
        term,
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
        context: campaign === Campaign.Transfer ? CAMPAIGN_TRANSFER : undefined,
      });
    }
  }

  private poll(from: NodeId, granted: boolean): VoteResult {
    if (!this.votes.has(from)) this.votes.set(from, granted);
    return tallyVotes(this.peers, this.votes);
  }

  /**
   * Raft §5.2 and §5.4.1 (投票): grant at most one vote per term, first come first served, and only to a
   * candidate whose log is at least as up to date as ours. A pre-vote is granted on the same log rule without
   * recording anything.
   */
  private handleVoteRequest(m: Message): void {
    const responseType = m.type === MessageType.Vote ? MessageType.VoteResponse : MessageType.PreVoteResponse;
    const canVote =
      this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      (m.type === MessageType.PreVote && m.term > this.term);
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // Answer in the candidate's term: a pre-vote grant is for a term this node has not entered.
      this.send({ type: responseType, to: m.from, term: m.term });
      if (m.type === MessageType.Vote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: responseType, to: m.from, term: this.term, reject: true });
    }
  }

  // ---------------------------------------------------------------- per role

  private stepLeader(m: Message): void {
    switch (m.type) {
      case MessageType.ReadIndex:
        this.handleReadIndexAtLeader(m);
        return;
    }
    const pr = this.progress.get(m.from);
    if (!pr || m.from === this.id) return;
    switch (m.type) {
      case MessageType.AppendResponse:
        this.handleAppendResponse(m, pr);
        return;
      case MessageType.HeartbeatResponse:
        this.handleHeartbeatResponse(m, pr);
        return;
    }
  }

  private stepCandidate(m: Message): void {
    const myResponseType = this.role === Role.PreCandidate ? MessageType.PreVoteResponse : MessageType.VoteResponse;
    switch (m.type) {
      // Raft §5.2: a leader of a term at least ours exists; follow it.
      case MessageType.Append:
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return;
      case MessageType.Heartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case MessageType.Snapshot:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case myResponseType: {
        const result = this.poll(m.from, !m.reject);
        if (result === VoteResult.Won) {
          if (this.role === Role.PreCandidate) this.campaign(Campaign.Election);
          else {
            this.becomeLeader();
            this.bcastAppend(true);
          }
        } else if (result === VoteResult.Lost) {
          // Raft §5.2: a majority said no; wait as follower (the term stays, so the vote stays too).
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.Append:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return;
      case MessageType.Heartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case MessageType.Snapshot:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case MessageType.TimeoutNow:
        // Thesis §3.10: the leader handed over; campaign at once, without pre-vote.
        this.hup(Campaign.Transfer);
        return;
      case MessageType.ReadIndex:
        // Forward only the host's own requests, so an answer always returns to the node that asked.
        if (this.lead === NONE || m.from !== this.id) return;
        this.send({ ...m, to: this.lead, term: 0 });
        return;
      case MessageType.ReadIndexResponse:
        this.readStates.push({ index: m.index, context: m.context ?? '' });
        return;
    }
  }

  // ---------------------------------------------------------------- log replication, follower side

  /** Raft §5.3 (日志复制), AppendEntries receiver: the consistency check, truncation of conflicts, commit. */
  private handleAppendEntries(m: Message): void {
    if (m.index < this.log.committed) {
      // Everything up to our commit index already matches the leader (Leader Completeness).
      this.send({ type: MessageType.AppendResponse, to: m.from, index: this.log.committed });
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== null) {
      this.send({ type: MessageType.AppendResponse, to: m.from, index: lastNew });
      return;
    }
    // Fast backtracking: point the leader at the last index whose term could still match its log.
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send({
      type: MessageType.AppendResponse,
      to: m.from,
      index: m.index,
      reject: true,
      rejectHint: hint.index,
      logTerm: hint.term,
    });
  }

  private handleHeartbeat(m: Message): void {
    // The leader sends min(match, commit), so this never passes our log's end.
    this.log.commitTo(m.commit);
    this.send({ type: MessageType.HeartbeatResponse, to: m.from, context: m.context });
  }

  /** Raft §7, InstallSnapshot receiver. */
  private handleSnapshot(m: Message): void {
    const snapshot = m.snapshot;
    if (!snapshot) return;
    if (this.maybeRestore(snapshot)) {
      this.send({ type: MessageType.AppendResponse, to: m.from, index: this.log.lastIndex() });
    } else {
      this.send({ type: MessageType.AppendResponse, to: m.from, index: this.log.committed });
    }
  }

  /** Restore from `snapshot` unless our log already holds everything it covers. */
  private maybeRestore(snapshot: Snapshot): boolean {
    const { index, term } = snapshot.metadata;
    if (index <= this.log.committed) return false;
    if (this.log.matchTerm(index, term)) {
      // Raft §7: "If existing log entry has same index and term as snapshot's last included entry, retain log
      // entries following it"; the snapshot only tells us these are committed.
      this.log.commitTo(index);
      return false;
    }
    this.log.restore(snapshot);
    return true;
  }

  // ---------------------------------------------------------------- log replication, leader side

  private appendEntry(type: EntryType, data: Uint8Array): Entry {
    const entry: Entry = { index: this.log.lastIndex() + 1, term: this.term, type, data };
    this.log.append([entry]);
    (this.progress.get(this.id) as Progress).maybeUpdate(entry.index);
    // A single-voter cluster commits at once.
    this.maybeCommit();
    return entry;
  }

  /**
   * Raft §5.3, §5.4.2: commit the highest index stored on a majority, but only if its entry is of the current
   * term; entries of earlier terms commit with it, never by counting their own replicas (Figure 8).
   */
  private maybeCommit(): boolean {
    const matches = this.peers.map((peer) => (this.progress.get(peer) as Progress).match);
    const index = majorityIndex(matches);
    if (index <= this.log.committed || !this.commitsByCounting(index)) return false;
    const committedInTermBefore = this.committedEntryInCurrentTerm();
    this.log.commitTo(index);
    if (!committedInTermBefore) this.releasePendingReadIndexMessages();
    return true;
  }

  /**
   * Raft §5.4.2: whether the leader may commit `index`, stored on a majority, by counting its replicas: only an
   * entry of its own term.
   *
   * FAULT-INJECTION HOOK, FOR TESTS ONLY: protected (not private) solely so that testing/figure8-bug.ts can
   * override it with the Figure 8 bug and prove the simulator catches it. Nothing else may override it.
   */
  protected commitsByCounting(index: number): boolean {
    return this.log.term(index) === this.term;
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    if (m.reject) {
      // Fast backtracking: skip every entry of the follower's conflicting term at once. A worked example
      // (index across, the term of each entry below it):
      //
      //   index     1 2 3 4 5 6 7 8 9
      //   leader    1 1 2 2 5 5 6
      //   follower  1 1 2 3 3 3 3 3 3      (a leader of term 3 wrote 4..9; none of them was committed)
      //
      //   1. probe prev (7, term 6): the follower's 7 has term 3, so it rejects with the hint (7, 3), the last
      //      entry at or below 7 whose term is <= 6 (handleAppendEntries);
      //   2. no entry of term 3 can be in the leader's log above its last entry of term <= 3: the leader jumps
      //      to findConflictByTerm(7, 3) = (4, 2) and probes prev (4, term 2); the follower's 4 has term 3:
      //      rejected with the hint (3, 2);
      //   3. findConflictByTerm(3, 2) = (3, 2): probe prev (3, term 2), which matches; the follower drops
      //      4..9 and takes the leader's 4..7.
      //
      // Three round trips where stepping back one index at a time takes five (7, 6, 5, 4, 3); with a long
      // stale suffix the saving is one round trip per entry of each skipped term.
      const next = m.logTerm > 0 ? this.log.findConflictByTerm(m.rejectHint, m.logTerm).index : m.rejectHint;
      if (pr.maybeDecrTo(m.index, next)) {
        if (pr.state === ProgressState.Replicate) pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    const probeMatched = pr.state === ProgressState.Probe && pr.match === m.index;
    if (!pr.maybeUpdate(m.index) && !probeMatched) return;
    if (pr.state === ProgressState.Probe) {
      pr.becomeReplicate();
    } else if (pr.state === ProgressState.Snapshot && pr.match + 1 >= this.log.firstIndex()) {
      // The snapshot landed (or the follower caught up otherwise): stream from the log again.
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === ProgressState.Replicate) {
      pr.inflights.freeLE(m.index);
    }
    if (this.maybeCommit()) {
      // Raft §5.3: the new commit index travels to every follower.
      this.bcastAppend(true);
    } else if (wasPaused) {
      this.sendAppend(m.from);
    }
    // Pipelining: keep the follower's window full.
    while (this.sendAppend(m.from, false)) {
      // each call sends one more batch until the window or the log runs out
    }
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.probeSent = false;
    // A lost Append would otherwise block a full window forever.
    if (pr.state === ProgressState.Replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);
    if (!m.context) return;
    if (this.readOnly.recvAck(m.from, m.context) < quorumSize(this.peers.length)) return;
    for (const read of this.readOnly.advance(m.context)) this.respondToReadIndex(read.request, read.index);
  }

  /**
   * Send the follower its next batch of entries, preceded by prevLogIndex and prevLogTerm (Raft §5.3), or the
   * snapshot when those entries were compacted away (Raft §7). Returns whether a message was sent.
   */
  private sendAppend(to: NodeId, sendIfEmpty = true): boolean {
    const pr = this.progress.get(to) as Progress;
    if (pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined || pr.next < this.log.firstIndex()) return this.sendSnapshot(to, pr);
    const entries = this.log.slice(pr.next, this.log.lastIndex() + 1, this.maxMsgEntries, this.maxMsgBytes);
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({
      type: MessageType.Append,
      to,
      index: prevIndex,
      logTerm: prevTerm,
      entries,
      commit: this.log.committed,
    });
    pr.sentEntries(entries.length, prevIndex + entries.length);
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    // Only to a follower that answers: a snapshot is large, and a dead peer would waste it.
    if (!pr.recentActive) return false;
    const snapshot = this.log.snapshot;
    if (!snapshot) throw new Error('RaftNode: the log is compacted but no snapshot is known');
    pr.becomeSnapshot(snapshot.metadata.index);
    this.send({ type: MessageType.Snapshot, to, snapshot });
    return true;
  }

  private bcastAppend(sendIfEmpty: boolean): void {
    for (const peer of this.peers) if (peer !== this.id) this.sendAppend(peer, sendIfEmpty);
  }

  private bcastNewEntries(): void {
    for (const peer of this.peers) {
      if (peer === this.id) continue;
      while (this.sendAppend(peer, false)) {
        // one batch per call, until the window or the new entries run out
      }
    }
  }

  private bcastHeartbeat(): void {
    const context = this.readOnly.lastPendingContext();
    for (const peer of this.peers) if (peer !== this.id) this.sendHeartbeat(peer, context);
  }

  /** Raft §5.2: an empty AppendEntries. It carries the commit index only as far as the follower is known to
   *  match, so the follower never commits an entry it may not hold. */
  private sendHeartbeat(to: NodeId, context: string | undefined): void {
    const pr = this.progress.get(to) as Progress;
    this.send({
      type: MessageType.Heartbeat,
      to,
      commit: Math.min(pr.match, this.log.committed),
      context,
    });
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send({ type: MessageType.TimeoutNow, to });
  }

  private abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }

  // ---------------------------------------------------------------- reads (the seed's reads at the leader)

  /**
   * Thesis §6.4, ReadIndex: (1) the leader must have committed an entry of its term, so its commit index is
   * the cluster's; (2) record the commit index as the read index; (3) confirm with a heartbeat round that no
   * newer leader exists; (4) the read is served once the read index is applied.
   */
  private handleReadIndexAtLeader(m: Message): void {
    if (!this.committedEntryInCurrentTerm()) {
      if (this.pendingReadIndexMessages.length < this.maxPendingReads) this.pendingReadIndexMessages.push(m);
      return;
    }
    if (this.peers.length === 1) {
      this.respondToReadIndex(m, this.log.committed);
      return;
    }
    const context = m.context ?? '';
    if (!this.readOnly.addRequest(this.log.committed, m)) return;
    this.readOnly.recvAck(this.id, context);
    for (const peer of this.peers) if (peer !== this.id) this.sendHeartbeat(peer, context);
  }

  private releasePendingReadIndexMessages(): void {
    const pending = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of pending) this.handleReadIndexAtLeader(m);
  }

  private respondToReadIndex(request: Message, index: number): void {
    const context = request.context ?? '';
    if (request.from === this.id) this.readStates.push({ index, context });
    else this.send({ type: MessageType.ReadIndexResponse, to: request.from, index, context });
  }

  // ---------------------------------------------------------------- helpers

  private committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  private leaderOrNull(): NodeId | null {
    return this.lead === NONE ? null : this.lead;
  }

  private hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  private softState(): SoftState {
    return { leader: this.leaderOrNull(), role: this.role };
  }

  private message(init: MessageInit): Message {
    return {
      from: this.id,
      term: this.term,
      index: 0,
      logTerm: 0,
      entries: [],
      commit: 0,
      reject: false,
      rejectHint: 0,
      ...init,
    };
  }

  /** Queue a message for the next Ready. Vote traffic names its term explicitly (a pre-vote runs ahead). */
  private send(init: MessageInit): void {
    this.msgs.push(this.message({ ...init, from: this.id }));
  }
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
