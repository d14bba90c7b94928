import { createLogger, metricsRegistry } from '@shop/common';
import { Histogram } from 'prom-client';
import { LeaseKeeper } from '../leases/lease-keeper';
import { encodeCommand } from '../state-machine/command-codec';
import { Command, CommandType } from '../state-machine/commands';
import { Change, RegistryStateMachine } from '../state-machine/registry-state-machine';
import { WatchHub } from '../watch/watch-hub';
import { Consensus, ConsensusStatus, NotLeader } from './consensus';

export interface RegistryNodeOptions {
  readonly nodeId: string;
  readonly peers: Readonly<Record<string, string>>;
  readonly proposeTimeoutMs: number;
  /** How long a write waits for a leader to be elected before the client gets 503. */
  readonly leaderWaitMs: number;
  /** Blocking queries sleeping on this node at once (each holds a request open). */
  readonly maxWaiters: number;
  /** Of those, what one client (an address) may hold. */
  readonly maxWaitersPerClient: number;
  /** How often the leader looks for expired leases. */
  readonly leaseScanMs: number;
}

/** No leader is known after waiting `leaderWaitMs` (HTTP 503 with Retry-After). */
export class NoLeader extends Error {
  constructor() {
    super('no leader is known right now (election in progress or no quorum)');
    this.name = 'NoLeader';
  }
}

const MAX_EXPIRE_BATCH = 256;

const commitDuration = new Histogram({
  name: 'registry_propose_duration_seconds',
  help: 'From propose on the leader to applied on the leader (fsyncs and one replication round trip)',
  buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

/**
 * One registry node: the replicated state machine, the Raft consensus that feeds it, the blocking-query hub
 * that its changes wake, and the leader's lease keeper. The HTTP API talks only to this class.
 */
export class RegistryNode {
  readonly watches: WatchHub;
  readonly stateMachine: RegistryStateMachine;
  private readonly leases = new LeaseKeeper(() => performance.now());
  private readonly logger = createLogger('RegistryNode');
  private consensus: Consensus | null = null;
  private leaseTimer: NodeJS.Timeout | null = null;
  private expiryInFlight = false;

  constructor(readonly options: RegistryNodeOptions) {
    this.watches = new WatchHub(options.maxWaiters, options.maxWaitersPerClient);
    this.stateMachine = new RegistryStateMachine(undefined, (change) => this.onChange(change));
  }

  /** Starts consensus (built by `start` around this node's state machine) and the lease scan. */
  async start(startConsensus: (stateMachine: RegistryStateMachine) => Promise<Consensus>): Promise<void> {
    this.consensus = await startConsensus(this.stateMachine);
    this.leaseTimer = setInterval(() => this.scanLeases(), this.options.leaseScanMs);
    this.leaseTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    this.leaseTimer = null;
    const consensus = this.consensus;
    this.consensus = null;
    await consensus?.stop();
  }

  get nodeId(): string {
    return this.options.nodeId;
  }

  status(): ConsensusStatus {
    if (this.consensus) return this.consensus.status();
    const applied = this.stateMachine.appliedIndex;
    return { id: this.nodeId, role: 'starting', term: 0, leader: null, commitIndex: applied, appliedIndex: applied, members: Object.keys(this.options.peers) };
  }

  /** The Raft applied index (no-op entries of new leaders included): X-Raft-Index. */
  get appliedIndex(): number {
    return Math.max(this.consensus?.status().appliedIndex ?? 0, this.stateMachine.appliedIndex);
  }

  counters(): Readonly<Record<string, number>> {
    return this.consensus?.counters() ?? {};
  }

  peerUrl(id: string | null): string | null {
    return id ? (this.options.peers[id] ?? null) : null;
  }

  /**
   * Proposes a command on this node, which must be the leader. Throws NotLeader (with the leader to forward
   * to), NoLeader after waiting for an election, or ProposalTimeout (outcome unknown).
   */
  async propose(cmd: Command): Promise<{ index: number; result: unknown }> {
    const consensus = await this.waitForLeader();
    const status = consensus.status();
    if (status.role !== 'leader') throw new NotLeader(status.leader);
    const stopTimer = commitDuration.startTimer();
    const outcome = await consensus.propose(encodeCommand(cmd), { timeoutMs: this.options.proposeTimeoutMs });
    stopTimer();
    return outcome;
  }

  async transferLeadership(to: string): Promise<void> {
    const consensus = await this.waitForLeader();
    await consensus.transferLeadership(to);
  }

  /** A linearizable read point: everything committed before this call is applied here when it resolves. */
  async readBarrier(): Promise<void> {
    const consensus = await this.waitForLeader();
    await consensus.readBarrier({ timeoutMs: this.options.proposeTimeoutMs });
  }

  private async waitForLeader(): Promise<Consensus> {
    const deadline = performance.now() + this.options.leaderWaitMs;
    for (;;) {
      const consensus = this.consensus;
      if (consensus && consensus.status().leader) return consensus;
      if (performance.now() >= deadline) throw new NoLeader();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  private onChange(change: Change): void {
    if (change.kind === 'lease') {
      this.leases.noteRenewal(change.service, change.instanceId, this.stateMachine.instance(change.service, change.instanceId));
    } else {
      this.watches.notify(change);
    }
  }

  /** Leader only: propose the expiry of leases whose TTL passed on this leader's monotonic clock. */
  private scanLeases(): void {
    const consensus = this.consensus;
    if (!consensus) return;
    this.leases.observeRole(consensus.status().role === 'leader');
    if (this.expiryInFlight) return;
    const due = this.leases.due(this.stateMachine.allInstances(), MAX_EXPIRE_BATCH);
    if (due.length === 0) return;
    this.expiryInFlight = true;
    consensus
      .propose(encodeCommand({ type: CommandType.LeaseExpire, leases: due }), { timeoutMs: this.options.proposeTimeoutMs })
      .then(({ result }) => this.logger.event('log', 'leases expired', { proposed: due.length, result }))
      .catch((error: unknown) => this.logger.event('warn', 'lease expiry not committed; retried on the next scan', { error: String(error) }))
      .finally(() => (this.expiryInFlight = false));
  }
}
