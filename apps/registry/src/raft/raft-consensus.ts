import { createLogger } from '@shop/common';
import { HostStoppedError, NotLeaderError, OverloadedError, ProposalDroppedError, RaftHost, TimeoutError } from '@shop/raft';
import type { RegistryConfig } from '../registry.config';
import type { RegistryStateMachine } from '../state-machine/registry-state-machine';
import { Consensus, ConsensusStatus, NotLeader, ProposalTimeout, Unavailable } from './consensus';

/** Translates the host's errors into what the API maps to HTTP statuses. */
function translate(error: unknown): unknown {
  if (error instanceof NotLeaderError) {
    return error.reason === 'transferring' ? new Unavailable(error.message) : new NotLeader(error.leader);
  }
  if (error instanceof TimeoutError || error instanceof HostStoppedError) return new ProposalTimeout(error.message);
  if (error instanceof OverloadedError || error instanceof ProposalDroppedError) return new Unavailable(error.message);
  return error;
}

/** libs/raft's RaftHost behind the registry's Consensus port. */
export class RaftConsensus implements Consensus {
  private constructor(readonly host: RaftHost) {}

  static async start(config: RegistryConfig, stateMachine: RegistryStateMachine): Promise<RaftConsensus> {
    const logger = createLogger('raft');
    const host = await RaftHost.start({
      id: config.nodeId,
      peers: config.peers,
      dataDir: config.dataDir,
      secret: config.raftSecret,
      stateMachine,
      tickMs: config.tickMs,
      snapshotThreshold: config.snapshotEvery,
      // With 512 KiB values, 10 000 entries would be 5 GiB of log in memory: compact by bytes too.
      snapshotBytesThreshold: 16 * 1024 * 1024,
      requestTimeoutMs: config.proposeTimeoutMs,
      logger: { event: (level, message, fields) => logger.event(level, message, fields) },
    });
    return new RaftConsensus(host);
  }

  async propose(data: Uint8Array, opts: { timeoutMs: number }): Promise<{ index: number; result: unknown }> {
    try {
      return await this.host.propose(data, opts);
    } catch (error) {
      throw translate(error);
    }
  }

  async readBarrier(opts: { timeoutMs: number }): Promise<void> {
    try {
      await this.host.readBarrier(opts);
    } catch (error) {
      throw translate(error);
    }
  }

  status(): ConsensusStatus {
    const s = this.host.status();
    return { id: s.id, role: s.role, term: s.term, leader: s.leader, commitIndex: s.commitIndex, appliedIndex: s.appliedIndex, members: s.members };
  }

  counters(): Readonly<Record<string, number>> {
    const { host, wal, transport } = this.host.metrics();
    const refused = transport ? Object.values(transport.rejected).reduce((sum, n) => sum + n, 0) : 0;
    return {
      snapshotsTaken: host.snapshotsTaken,
      snapshotsInstalled: host.snapshotsInstalled,
      entriesApplied: host.entriesApplied,
      fsyncs: wal?.fsyncs ?? 0,
      peerMessagesSent: transport?.messagesSent ?? 0,
      peerFramesSent: transport?.framesSent ?? 0,
      peerSendFailures: transport?.sendFailures ?? 0,
      peerMessagesReceived: transport?.messagesReceived ?? 0,
      peerRefused: refused,
    };
  }

  async transferLeadership(to: string): Promise<void> {
    try {
      await this.host.transferLeadership(to);
    } catch (error) {
      throw translate(error);
    }
  }

  async stop(): Promise<void> {
    await this.host.stop();
  }
}
