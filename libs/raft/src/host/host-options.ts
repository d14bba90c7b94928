import type { NodeId, Role } from '../core/types';
import type { RaftLogger } from '../ports/raft-logger';
import type { StateMachine } from '../ports/state-machine';

/** What `RaftHost.start` is given, and what its `status` and `metrics` report. */

export interface RaftHostOptions {
  id: NodeId;
  /** Every member's base URL, this node included: `{ n1: 'http://127.0.0.1:7001', ... }`. */
  peers: Record<NodeId, string>;
  /** Holds `wal/` and `snapshots/`. */
  dataDir: string;
  /** RAFT_SECRET: authenticates every peer request. */
  secret: string;
  stateMachine: StateMachine;
  /** One logical tick; elections and heartbeats are counted in ticks. Default 100 ms. */
  tickMs?: number;
  /** Election timeout T in ticks (randomized in [T, 2T)). Default 10. */
  electionTicks?: number;
  /** Heartbeat interval in ticks. Default 1. */
  heartbeatTicks?: number;
  /** Take a snapshot after this many entries were applied since the last one. Default 10 000. */
  snapshotThreshold?: number;
  /**
   * Or after this many bytes of entry data: the log is held in memory back to the snapshot before the last,
   * so this bounds its memory (about twice this) whatever the size of the entries. Default 64 MiB.
   */
  snapshotBytesThreshold?: number;
  /** Start a dedicated HTTP server for peer traffic. Without it, mount `handlePeerRequest` on your own server. */
  listen?: { port: number; host?: string };
  /** Default timeouts of `propose`, `readBarrier` and `transferLeadership`. */
  requestTimeoutMs?: number;
  /** WAL segment size. Default 64 MiB. */
  segmentBytes?: number;
  logger?: RaftLogger;
}

/** What `startWith` needs besides the ports: `start`'s options without the on-disk and network ones. */
export type HostOptions = Omit<RaftHostOptions, 'dataDir' | 'secret' | 'listen' | 'segmentBytes'>;

export interface PeerProgress {
  match: number;
  next: number;
  state: string;
}

export interface RaftHostStatus {
  id: NodeId;
  role: Role;
  term: number;
  leader: NodeId | null;
  leaderUrl: string | null;
  commitIndex: number;
  appliedIndex: number;
  members: NodeId[];
  /** Replication progress of each member, known on the leader only (empty elsewhere). */
  peers: Record<NodeId, PeerProgress>;
}

export interface AppliedEntry {
  index: number;
  data: Uint8Array;
  result: unknown;
}

export interface HostStats {
  readies: number;
  entriesPersisted: number;
  entriesApplied: number;
  snapshotsTaken: number;
  snapshotsInstalled: number;
  /** Messages from the network refused because only the local host may step them. */
  droppedLocalOnly: number;
}
