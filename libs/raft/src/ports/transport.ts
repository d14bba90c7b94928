import type { Message, NodeId } from '../core/types';

/**
 * The transport port: how the host hands messages to peers and receives theirs. Delivery is best effort, as
 * Raft assumes: a message may be lost, delayed or duplicated, never altered.
 *
 * Contract:
 * - `send` never blocks and never throws for an unreachable peer; it drops instead and reports the peer with
 *   `onUnreachable` (the core then probes it again; etcd's ReportUnreachable).
 * - Every message that was sent whole to a peer is given to that peer's `onMessage` at most once.
 * - A Snapshot message's outcome is reported with `onSnapshotStatus` (etcd's ReportSnapshot).
 */
export interface Transport {
  send(messages: readonly Message[]): void;
  close(): Promise<void>;
}

export interface TransportEvents {
  onMessage(msg: Message): void;
  onUnreachable(peer: NodeId): void;
  onSnapshotStatus(peer: NodeId, delivered: boolean): void;
}
