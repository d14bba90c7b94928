import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { NodeId } from '../core/types';

/**
 * Authentication of peer traffic with the shared RAFT_SECRET.
 *
 * The headers that open a stream (either lane) are signed, over `STREAM_OPENING` in place of a body, and checked
 * before the receiver reads any of the body; then every frame of the stream is signed on its own.
 * Every opening and every frame carries its sender, receiver, lane (ordinary
 * messages, or snapshots, which travel on their own connection so that a large snapshot does not hold
 * heartbeats back), the sender's epoch (random per process start), a sequence number (increasing per receiver
 * and lane within an epoch) and a timestamp, and an HMAC-SHA256 over those and the body. The receiver accepts
 * a frame or request only if:
 * - the sender is a configured peer and the receiver is itself (a request cannot be redirected to another node);
 * - the HMAC matches (constant-time compare);
 * - the timestamp is within `windowMs` of the receiver's clock (bounds replay after a receiver restart);
 * - its (epoch, seq) is newer than the last accepted from that sender on that lane: the same epoch with a higher seq, or a
 *   different epoch whose timestamp is after the first accepted request of the current one (the sender
 *   restarted). A replayed request fails this check, even within the window.
 */
export interface AuthHeaders {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly lane: Lane;
  readonly epoch: string;
  readonly seq: number;
  readonly timestamp: number;
  readonly signature: string;
}

export const HEADER = {
  from: 'x-raft-from',
  to: 'x-raft-to',
  lane: 'x-raft-lane',
  epoch: 'x-raft-epoch',
  seq: 'x-raft-seq',
  timestamp: 'x-raft-timestamp',
  signature: 'x-raft-signature',
} as const;

/** Each lane is its own ordered connection (one stream of frames, or one snapshot request at a time): its own sequence. */
export type Lane = 'messages' | 'snapshots';
const LANES: readonly string[] = ['messages', 'snapshots'];

/**
 * What the headers that open a stream (or a snapshot request) sign in place of a body: the stream is
 * authenticated before any of its bytes is read. No batch starts with these bytes (a batch starts with its wire
 * version, 1), so an opening signature can never pass for a frame's, nor the reverse.
 */
export const STREAM_OPENING: Uint8Array = Buffer.from('raft-stream-opening');

/** What `verify` makes of a request's authentication: ok, or why it is refused. */
export type AuthOutcome = 'ok' | 'unknown-peer' | 'misaddressed' | 'bad-signature' | 'stale' | 'replay';

export function newEpoch(): string {
  return randomBytes(8).toString('hex');
}

export function sign(secret: string, fields: Omit<AuthHeaders, 'signature'>, body: Uint8Array): string {
  return createHmac('sha256', secret)
    .update(`raft-v1\n${fields.from}\n${fields.to}\n${fields.lane}\n${fields.epoch}\n${fields.seq}\n${fields.timestamp}\n`)
    .update(body)
    .digest('hex');
}

interface PeerEpoch {
  epoch: string;
  firstTimestamp: number;
  lastSeq: number;
}

export class PeerAuthenticator {
  /** Keyed by sender and lane. */
  private readonly epochs = new Map<string, PeerEpoch>();

  constructor(
    private readonly self: NodeId,
    private readonly peers: ReadonlySet<NodeId>,
    private readonly secret: string,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Checks a request; on 'ok' the request is recorded so that it cannot be accepted again. */
  verify(headers: AuthHeaders, body: Uint8Array): AuthOutcome {
    if (!this.peers.has(headers.from) || headers.from === this.self) return 'unknown-peer';
    if (headers.to !== this.self) return 'misaddressed';
    const expected = Buffer.from(sign(this.secret, headers, body), 'hex');
    const given = Buffer.from(headers.signature, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad-signature';
    if (Math.abs(this.now() - headers.timestamp) > this.windowMs) return 'stale';
    const key = `${headers.from}\n${headers.lane}`;
    const known = this.epochs.get(key);
    if (known === undefined || (known.epoch !== headers.epoch && headers.timestamp > known.firstTimestamp)) {
      this.epochs.set(key, { epoch: headers.epoch, firstTimestamp: headers.timestamp, lastSeq: headers.seq });
      return 'ok';
    }
    if (known.epoch !== headers.epoch || headers.seq <= known.lastSeq) return 'replay';
    known.lastSeq = headers.seq;
    return 'ok';
  }
}

/** Reads the auth headers of a request; null when one is missing or malformed. */
export function parseAuthHeaders(get: (name: string) => string | undefined): AuthHeaders | null {
  const from = get(HEADER.from);
  const to = get(HEADER.to);
  const lane = get(HEADER.lane);
  const epoch = get(HEADER.epoch);
  const seq = Number(get(HEADER.seq));
  const timestamp = Number(get(HEADER.timestamp));
  const signature = get(HEADER.signature);
  if (!from || !to || !epoch || !signature || !Number.isSafeInteger(seq) || !Number.isSafeInteger(timestamp)) return null;
  if (lane === undefined || !LANES.includes(lane)) return null;
  return { from, to, lane: lane as Lane, epoch, seq, timestamp, signature };
}
