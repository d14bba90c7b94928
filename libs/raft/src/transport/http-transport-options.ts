import type { NodeId } from '../core/types';
import type { AuthOutcome } from './peer-auth';

export interface HttpTransportOptions {
  id: NodeId;
  /** Base URL of every member (itself included or not), e.g. `{ n2: 'http://127.0.0.1:7002' }`. */
  peers: Record<NodeId, string>;
  secret: string;
  /**
   * Messages lane: how long a stream may make no progress (connecting, or with bytes the peer does not read)
   * before it is dropped; an idle stream is closed after this long too.
   */
  requestTimeoutMs?: number;
  /** Snapshot lane: how long one snapshot request may take, sent and answered. */
  snapshotTimeoutMs?: number;
  /** Messages waiting for one peer; beyond it new messages are dropped and the peer reported unreachable. */
  maxQueuedMessages?: number;
  /** About this many bytes per frame (at least one message). */
  maxBatchBytes?: number;
  /**
   * Largest frame accepted, refused from its length field before its bytes are buffered. Default 8 MiB: the
   * largest real frame is one batch (`maxBatchBytes`, 4 MiB) plus the message that crosses it, at most one
   * Append of the core's `maxMsgBytes` (1 MiB) plus one entry (a 512 KiB registry value): about 5.5 MiB.
   */
  maxFrameBytes?: number;
  /** Largest snapshot accepted (its chunks joined). Default 128 MiB: above what the registry's quotas let it hold. */
  maxSnapshotBytes?: number;
  /** A snapshot travels in frames of this many bytes (each signed), so that no frame is larger than a batch. */
  snapshotChunkBytes?: number;
  /** Bytes written to a peer's stream and not yet taken by its socket, beyond which the stream is dropped. */
  maxBufferedBytes?: number;
  /** After a failed stream or request, messages to that peer are dropped for this long instead of piling up. */
  retryBackoffMs?: number;
  /** Accepted clock difference between peers; also how long a replay could work after a receiver restart. */
  replayWindowMs?: number;
  now?: () => number;
}

export interface TransportStats {
  messagesSent: number;
  /** Frames written to a messages stream, plus snapshot requests. */
  framesSent: number;
  streamsOpened: number;
  /** Incoming streams closed because the same peer opened a newer one on the same lane. */
  streamsReplaced: number;
  /** Streams ended because nothing was sent for `requestTimeoutMs` (not a failure). */
  streamsClosedIdle: number;
  /** Streams that broke and snapshot requests that failed (the peer was then reported unreachable). */
  sendFailures: number;
  messagesReceived: number;
  droppedQueueFull: number;
  droppedPeerDown: number;
  /** Frames or requests refused by the receiver side, by reason. */
  rejected: Record<Exclude<AuthOutcome, 'ok'> | 'malformed' | 'too-large', number>;
}
