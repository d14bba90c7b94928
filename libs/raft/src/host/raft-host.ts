import { randomBytes, randomInt } from 'node:crypto';
import * as http from 'node:http';
import * as path from 'node:path';
import { acceptsFromNetwork, RaftNode } from '../core/raft-node';
import { Entry, EntryType, Message, MessageType, NodeId, Ready, ReadState, Role, Snapshot } from '../core/types';
import { FileSnapshotStore } from '../storage/file-snapshot-store';
import { FileWal, WalStats } from '../storage/file-wal';
import type { HostPorts } from '../ports/host-ports';
import type { PeerTransport } from '../ports/peer-transport';
import type { RaftLogger } from '../ports/raft-logger';
import type { SnapshotStore } from '../ports/snapshot-store';
import { HttpTransport } from '../transport/http-transport';
import type { TransportStats } from '../transport/http-transport-options';
import { HostStoppedError, NotLeaderError, OverloadedError, ProposalDroppedError, TimeoutError } from './errors';
import type { AppliedEntry, HostOptions, HostStats, PeerProgress, RaftHostOptions, RaftHostStatus } from './host-options';

interface PendingProposal {
  term: number;
  resolve(value: { index: number; result: unknown }): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

interface PendingRead {
  /** Known once the ReadState arrived. */
  index: number | null;
  resolve(index: number): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Drives the pure `RaftNode` with real time, disk and network: the host of docs/conventions.md ("The Raft core").
 *
 * The Ready loop, in the order types.ts prescribes:
 *   1. persist the hard state and new entries (one fsync for all of them; skipped when only the commit index
 *      moved) and an incoming snapshot;
 *   2. send the messages (never before step 1: a vote or an acknowledgement must survive a crash);
 *   3. apply committed entries, resolve the proposals and reads waiting for them;
 *   4. advance.
 * Two things overlap step 1 without weakening it (etcd's raftNode does both):
 *   - a leader sends its Append and Heartbeat messages while its own fsync runs (thesis §10.2.1). They carry
 *     entries and a commit index, never a promise about this node's disk; an entry counts as committed only
 *     through follower acknowledgements stepped after this Ready, so it reaches a client in a later Ready,
 *     after this fsync completed. Votes and acknowledgements (every follower message) still wait for step 1.
 *   - committed entries that this node persisted in an earlier Ready are applied while the fsync of the new
 *     ones runs: their durability does not depend on it, and the client answer no longer waits for the next
 *     batch's disk write.
 * Group commit: the loop runs once per event-loop turn, and inputs keep arriving while step 1 waits for the
 * disk, so every proposal and acknowledgement that arrived meanwhile lands in the next Ready and shares its
 * fsync (the WAL also coalesces concurrent writes).
 */
export class RaftHost {
  readonly stats: HostStats = {
    readies: 0,
    entriesPersisted: 0,
    entriesApplied: 0,
    snapshotsTaken: 0,
    snapshotsInstalled: 0,
    droppedLocalOnly: 0,
  };

  private readonly proposals = new Map<number, PendingProposal>();
  private readonly reads = new Map<string, PendingRead>();
  private readonly appliedListeners = new Set<(entry: AppliedEntry) => void>();
  private readonly leaderWaiters = new Set<() => void>();
  private readonly logger: RaftLogger;
  private readonly requestTimeoutMs: number;
  private readonly snapshotThreshold: number;
  private readonly snapshotBytesThreshold: number;
  /** Bytes of entry data applied since the last snapshot was captured. */
  private bytesSinceSnapshot = 0;
  private ticker: NodeJS.Timeout | null = null;
  private loopScheduled = false;
  private loopRunning: Promise<void> | null = null;
  private readSeq = 0;
  private readonly readEpoch = randomBytes(6).toString('hex');
  private appliedIndex: number;
  /** Newest snapshot on disk, and the one before it: the log is compacted only up to the older one. */
  private lastSnapshot: { index: number; data: Uint8Array } | null;
  private previousSnapshot: { index: number; data: Uint8Array } | null = null;
  private snapshotting = false;
  /** The background snapshot write in progress, awaited by stop(); it never rejects (failures go to fail()). */
  private snapshotWrite: Promise<void> | undefined;
  /** Term and vote as last persisted: a leader sends before its fsync only if these did not change. */
  private durableTermVote: { term: number; vote: NodeId };
  private stopped = false;
  private failure: Error | null = null;

  private constructor(
    private readonly opts: HostOptions,
    private readonly node: RaftNode,
    private readonly wal: HostPorts['storage'],
    private readonly snapshots: SnapshotStore,
    private readonly transport: PeerTransport,
    restored: Snapshot | null,
  ) {
    this.logger = opts.logger ?? stderrLogger;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 5_000;
    this.snapshotThreshold = opts.snapshotThreshold ?? 10_000;
    this.snapshotBytesThreshold = opts.snapshotBytesThreshold ?? 64 * 1024 * 1024;
    this.appliedIndex = restored?.metadata.index ?? 0;
    const hardState = wal.hardState();
    this.durableTermVote = { term: hardState.term, vote: hardState.vote };
    this.lastSnapshot = restored ? { index: restored.metadata.index, data: restored.data } : null;
  }

  /**
   * Recovers the node from `dataDir` (newest valid snapshot, then the WAL after it), joins the cluster and starts
   * ticking. The state machine is restored from the snapshot; entries after it are applied again as they are
   * known to be committed.
   */
  static async start(opts: RaftHostOptions): Promise<RaftHost> {
    const logger = opts.logger ?? stderrLogger;
    const snapshots = await FileSnapshotStore.open(path.join(opts.dataDir, 'snapshots'));
    const { snapshot, rejected } = await snapshots.latest();
    for (const bad of rejected) logger.event('error', 'snapshot rejected, using an older one', { ...bad });
    const wal = await FileWal.open(path.join(opts.dataDir, 'wal'), {
      snapshotIndex: snapshot?.metadata.index ?? 0,
      ...(opts.segmentBytes ? { segmentBytes: opts.segmentBytes } : {}),
      onTornTail: (file, offset, reason) => logger.event('warn', 'WAL torn tail truncated', { file, offset, reason }),
    });
    const transport = new HttpTransport({ id: opts.id, peers: opts.peers, secret: opts.secret });
    const host = RaftHost.startWith(opts, { storage: wal, snapshots, transport }, snapshot);
    if (opts.listen) {
      try {
        await transport.listen(opts.listen.port, opts.listen.host);
      } catch (error) {
        await host.stop();
        throw error;
      }
    }
    return host;
  }

  /**
   * The same host over any implementation of the ports (tests, other wiring). `storage` must already hold what
   * was recovered after `snapshot`; the state machine is restored from `snapshot` here.
   */
  static startWith(opts: HostOptions, ports: HostPorts, snapshot: Snapshot | null): RaftHost {
    if (!(opts.id in opts.peers)) throw new Error(`RaftHost: peers must include this node (${opts.id})`);
    const { storage, snapshots, transport } = ports;
    const snapshotIndex = snapshot?.metadata.index ?? 0;
    if (snapshot) opts.stateMachine.restore(snapshot.data);
    const hardState = storage.hardState();
    const entries = storage.entries(storage.firstIndex(), storage.lastIndex() + 1);
    const fresh = snapshot === null && entries.length === 0 && hardState.term === 0;
    const node = new RaftNode(
      {
        id: opts.id,
        peers: Object.keys(opts.peers),
        electionTick: opts.electionTicks ?? 10,
        heartbeatTick: opts.heartbeatTicks ?? 1,
        random: (n) => randomInt(n),
      },
      fresh ? undefined : { hardState: { ...hardState, commit: Math.max(hardState.commit, snapshotIndex) }, snapshot, entries },
    );
    const host = new RaftHost(opts, node, storage, snapshots, transport, snapshot);
    transport.attach({
      onMessage: (msg) => host.receive(msg),
      onUnreachable: (peer) => host.input(() => node.reportUnreachable(peer)),
      onSnapshotStatus: (peer, ok) => host.input(() => node.reportSnapshot(peer, ok)),
    });
    host.ticker = setInterval(() => host.input(() => node.tick()), opts.tickMs ?? 100);
    host.logger.event('log', 'raft host started', {
      id: opts.id, term: hardState.term, snapshotIndex, firstIndex: storage.firstIndex(), lastIndex: storage.lastIndex(),
    });
    return host;
  }

  /**
   * Serves a peer request (`POST /raft/messages`) on a server the caller owns. Returns false, without touching
   * `res`, when the request is not a Raft peer request.
   */
  handlePeerRequest(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    return this.transport.handle?.(req, res) ?? false;
  }

  /** Replicates `data` and resolves with the state machine's result once it is applied on this node. */
  propose(data: Uint8Array, opts: { timeoutMs?: number } = {}): Promise<{ index: number; result: unknown }> {
    if (this.stopped) return Promise.reject(this.stoppedError());
    const outcome = this.node.propose(data);
    if (!outcome.accepted) {
      if (outcome.reason === 'overloaded') return Promise.reject(new OverloadedError('too many uncommitted entries; retry later'));
      return Promise.reject(new NotLeaderError(outcome.leader, this.urlOf(outcome.leader), outcome.reason));
    }
    this.schedule();
    // A proposal of an earlier term still waiting at this index lost its entry: this leader overwrote it.
    const displaced = this.proposals.get(outcome.index);
    if (displaced) {
      this.settleProposal(outcome.index, () =>
        displaced.reject(new ProposalDroppedError(`index ${outcome.index} was overwritten by a later leader; the proposal was not committed`)),
      );
    }
    return new Promise((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
      const timer = setTimeout(() => {
        if (this.proposals.get(outcome.index) === pending) this.proposals.delete(outcome.index);
        reject(new TimeoutError(`proposal at index ${outcome.index} not applied within ${timeoutMs} ms; outcome unknown`));
      }, timeoutMs);
      const pending: PendingProposal = { term: outcome.term, resolve, reject, timer };
      this.proposals.set(outcome.index, pending);
    });
  }

  /**
   * ReadIndex (thesis §6.4): resolves with an index once this node's state machine has applied at least the
   * leader's commit index as of the call, confirmed by a heartbeat round. Reads made after it are linearizable.
   * On a follower the request is forwarded to the leader.
   */
  readBarrier(opts: { timeoutMs?: number } = {}): Promise<number> {
    if (this.stopped) return Promise.reject(this.stoppedError());
    // Unique across restarts too: an answer to a request of an earlier run must not release this one.
    const context = `${this.opts.id}:${this.readEpoch}:${++this.readSeq}`;
    return new Promise((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
      const timer = setTimeout(() => {
        this.reads.delete(context);
        const leader = this.node.status().leader;
        reject(
          leader === null
            ? new NotLeaderError(null, null)
            : new TimeoutError(`read barrier not confirmed within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.reads.set(context, { index: null, resolve, reject, timer });
      this.input(() => this.node.readIndex(context));
    });
  }

  status(): RaftHostStatus {
    const status = this.node.status();
    const peers: Record<NodeId, PeerProgress> = {};
    for (const [id, progress] of Object.entries(status.progress)) {
      peers[id] = { match: progress.match, next: progress.next, state: progress.state };
    }
    return {
      id: status.id,
      role: status.role,
      term: status.term,
      leader: status.leader,
      leaderUrl: this.urlOf(status.leader),
      commitIndex: status.commitIndex,
      appliedIndex: this.appliedIndex,
      members: Object.keys(this.opts.peers),
      peers,
    };
  }

  /** Hands leadership to `to` (thesis §3.10) and resolves once `to` is the leader this node knows. */
  transferLeadership(to: NodeId, opts: { timeoutMs?: number } = {}): Promise<void> {
    if (this.stopped) return Promise.reject(this.stoppedError());
    if (!(to in this.opts.peers)) return Promise.reject(new Error(`unknown member ${to}`));
    if (this.node.status().leader === to) return Promise.resolve();
    if (!this.node.transferLeadership(to)) {
      const leader = this.node.status().leader;
      return Promise.reject(new NotLeaderError(leader, this.urlOf(leader)));
    }
    this.schedule();
    return new Promise((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
      const check = (): void => {
        if (this.node.status().leader !== to) return;
        clearTimeout(timer);
        this.leaderWaiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.leaderWaiters.delete(check);
        reject(new TimeoutError(`leadership did not move to ${to} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.leaderWaiters.add(check);
    });
  }

  /** Counters for metrics and benchmarks: the host's, the WAL's (fsyncs!) and the transport's. */
  metrics(): { host: HostStats; wal: WalStats | null; transport: TransportStats | null } {
    const wal = this.wal.stats;
    const transport = this.transport.stats;
    return { host: { ...this.stats }, wal: wal ? { ...wal } : null, transport: transport ? { ...transport } : null };
  }

  /** Calls `cb` after each entry is applied on this node, in log order (for watchers). Returns an unsubscribe. */
  onApplied(cb: (entry: AppliedEntry) => void): () => void {
    this.appliedListeners.add(cb);
    return () => this.appliedListeners.delete(cb);
  }

  /** Stops ticking and the network, finishes the Ready in progress, closes the WAL. Waiting requests are
   *  rejected with `HostStoppedError` (outcome unknown). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    await this.transport.close();
    while (this.loopRunning) await this.loopRunning;
    // A snapshot written in the background finishes (or fails) before the WAL closes and the caller may remove
    // the data directory.
    await this.snapshotWrite;
    this.rejectAll(this.stoppedError());
    await this.wal.close();
  }

  private receive(msg: Message): void {
    if (!acceptsFromNetwork(msg)) {
      this.stats.droppedLocalOnly++;
      return;
    }
    this.input(() => this.node.step(msg));
  }

  /** Every input goes through here: the core is stepped at once, the Ready loop runs in the next turn. */
  private input(apply: () => void): void {
    if (this.stopped) return;
    try {
      apply();
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.loopScheduled || this.loopRunning || this.stopped) return;
    this.loopScheduled = true;
    setImmediate(() => {
      this.loopScheduled = false;
      this.loopRunning = this.runLoop().finally(() => {
        this.loopRunning = null;
        // Inputs that arrived during the last await may have produced a Ready.
        if (!this.stopped && this.node.hasReady()) this.schedule();
      });
    });
  }

  private async runLoop(): Promise<void> {
    try {
      while (!this.stopped && this.node.hasReady()) {
        const rd = this.node.ready();
        const early = this.sendsBeforePersist(rd);
        const remaining = early ? rd.messages.filter((msg) => !isLeaderBroadcast(msg)) : rd.messages;
        if (early) this.send(rd.messages.filter(isLeaderBroadcast));
        const persisted = this.persist(rd);
        // Entries below the first new one were persisted by an earlier Ready (a snapshot resets the machine
        // first, so nothing is applied ahead of it).
        const durableUpTo = rd.snapshot ? 0 : (rd.entries[0]?.index ?? Number.POSITIVE_INFINITY) - 1;
        const applyNow = rd.committed.filter((entry) => entry.index <= durableUpTo);
        this.applyCommitted(applyNow, rd.readStates);
        await persisted;
        if (this.stopped) return;
        this.send(remaining);
        this.applyCommitted(rd.committed.slice(applyNow.length), []);
        this.node.advance(rd);
        this.stats.readies++;
        this.notifyLeaderWaiters();
        this.maybeSnapshot();
      }
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private async persist(rd: Ready): Promise<void> {
    if (rd.snapshot) await this.installSnapshot(rd.snapshot);
    if (rd.hardState !== null || rd.entries.length > 0) {
      await this.wal.save({ hardState: rd.hardState, entries: rd.entries, sync: rd.mustSync });
      this.stats.entriesPersisted += rd.entries.length;
    }
    if (rd.hardState !== null) this.durableTermVote = { term: rd.hardState.term, vote: rd.hardState.vote };
  }

  /** A leader whose term and vote are already on disk may send its broadcasts before this Ready's fsync. */
  private sendsBeforePersist(rd: Ready): boolean {
    if (rd.softState.role !== Role.Leader) return false;
    const hard = rd.hardState;
    return hard === null || (hard.term === this.durableTermVote.term && hard.vote === this.durableTermVote.vote);
  }

  /** Raft §7, follower side: the leader sent a snapshot because our log is behind its compacted log. */
  private async installSnapshot(snapshot: Snapshot): Promise<void> {
    await this.snapshots.save(snapshot);
    // Also resets the WAL when the snapshot is ahead of it, so that later entries continue from it on replay.
    await this.wal.compact(snapshot.metadata.index);
    this.opts.stateMachine.restore(snapshot.data);
    this.appliedIndex = snapshot.metadata.index;
    this.bytesSinceSnapshot = 0;
    this.previousSnapshot = this.lastSnapshot;
    this.lastSnapshot = { index: snapshot.metadata.index, data: snapshot.data };
    this.stats.snapshotsInstalled++;
    for (const [index, proposal] of this.proposals) {
      if (index > snapshot.metadata.index) continue;
      this.settleProposal(index, () => proposal.reject(new TimeoutError(`proposal at index ${index} was covered by a snapshot; outcome unknown`)));
    }
    this.logger.event('log', 'snapshot installed', { index: snapshot.metadata.index, term: snapshot.metadata.term });
  }

  private send(messages: readonly Message[]): void {
    const remote: Message[] = [];
    for (const msg of messages) {
      if (msg.to === this.opts.id) this.node.step(msg);
      else remote.push(msg);
    }
    if (remote.length > 0) this.transport.send(remote);
  }

  private applyCommitted(entries: readonly Entry[], readStates: readonly ReadState[]): void {
    for (const entry of entries) this.applyEntry(entry);
    for (const readState of readStates) {
      const read = this.reads.get(readState.context);
      if (read) read.index = readState.index;
    }
    for (const [context, read] of this.reads) {
      if (read.index === null || read.index > this.appliedIndex) continue;
      clearTimeout(read.timer);
      this.reads.delete(context);
      read.resolve(read.index);
    }
  }

  private applyEntry(entry: Entry): void {
    if (entry.index <= this.appliedIndex) return;
    let result: unknown = undefined;
    let failure: Error | null = null;
    if (entry.type === EntryType.Normal) {
      try {
        result = this.opts.stateMachine.apply({ index: entry.index, data: entry.data });
      } catch (error) {
        // Deterministic: every node fails alike; the proposer learns why, the log moves on.
        failure = error as Error;
      }
    }
    this.appliedIndex = entry.index;
    this.bytesSinceSnapshot += entry.data.length;
    this.stats.entriesApplied++;
    const proposal = this.proposals.get(entry.index);
    if (proposal) {
      this.settleProposal(entry.index, () => {
        if (proposal.term !== entry.term) proposal.reject(new ProposalDroppedError(`index ${entry.index} holds another leader's entry; the proposal was not committed`));
        else if (failure) proposal.reject(failure);
        else proposal.resolve({ index: entry.index, result });
      });
    }
    if (entry.type === EntryType.Normal) {
      for (const listener of this.appliedListeners) {
        try {
          listener({ index: entry.index, data: entry.data, result });
        } catch (error) {
          this.logger.event('error', 'onApplied listener threw', { index: entry.index, error: String(error) });
        }
      }
    }
  }

  private settleProposal(index: number, settle: () => void): void {
    const proposal = this.proposals.get(index);
    if (!proposal) return;
    clearTimeout(proposal.timer);
    this.proposals.delete(index);
    settle();
  }

  /**
   * Log compaction (Raft §7): once `snapshotThreshold` entries (or `snapshotBytesThreshold` bytes of them) were
   * applied since the last snapshot, the state
   * machine is captured now (synchronously, so at exactly `appliedIndex`) and written in the background. The core
   * and the WAL are then compacted up to the *previous* snapshot: a follower slightly behind still catches up
   * from the log, and if the newest snapshot file is ever unreadable the older one plus the WAL still recover.
   */
  private maybeSnapshot(): void {
    const since = this.appliedIndex - (this.lastSnapshot?.index ?? 0);
    if (this.snapshotting || (since < this.snapshotThreshold && this.bytesSinceSnapshot < this.snapshotBytesThreshold)) return;
    const index = this.appliedIndex;
    const term = this.node.termAt(index);
    if (term === undefined) return;
    const data = this.opts.stateMachine.snapshot();
    this.snapshotting = true;
    this.bytesSinceSnapshot = 0;
    const snapshot: Snapshot = { metadata: { index, term, members: Object.keys(this.opts.peers) }, data };
    this.snapshotWrite = this.snapshots
      .save(snapshot)
      .then(async () => {
        this.previousSnapshot = this.lastSnapshot;
        this.lastSnapshot = { index, data };
        this.stats.snapshotsTaken++;
        const older = this.previousSnapshot;
        if (older && !this.stopped) {
          this.node.compact(older.index, older.data);
          await this.wal.compact(older.index);
        }
        this.logger.event('log', 'snapshot taken', { index, term, compactedTo: older?.index ?? 0 });
      })
      .catch((error: Error) => this.fail(error))
      .finally(() => {
        this.snapshotting = false;
      });
  }

  private notifyLeaderWaiters(): void {
    for (const check of [...this.leaderWaiters]) check();
  }

  /** Fail-stop: a storage error or a broken core invariant ends this node rather than risk acknowledging a lie. */
  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.logger.event('error', 'raft host failed; stopping', { error: error.message, stack: error.stack });
    this.stop().catch((stopError: Error) => this.logger.event('error', 'stopping after a failure failed', { error: stopError.message }));
  }

  private rejectAll(error: Error): void {
    for (const [index, proposal] of this.proposals) this.settleProposal(index, () => proposal.reject(error));
    for (const [context, read] of this.reads) {
      clearTimeout(read.timer);
      this.reads.delete(context);
      read.reject(error);
    }
  }

  private stoppedError(): Error {
    return new HostStoppedError(this.failure ? `raft host failed: ${this.failure.message}` : 'raft host stopped');
  }

  private urlOf(id: NodeId | null): string | null {
    return id === null ? null : (this.opts.peers[id] ?? null);
  }
}

/** What a leader may send before its own fsync: replication and heartbeats, which promise nothing about its disk. */
function isLeaderBroadcast(msg: Message): boolean {
  return msg.type === MessageType.Append || msg.type === MessageType.Heartbeat;
}

const stderrLogger: RaftLogger = {
  event(level, message, fields) {
    if (level === 'warn' || level === 'error') process.stderr.write(`${JSON.stringify({ level, message, ...fields })}\n`);
  },
};
