import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { Message, MessageType, NodeId } from '../core/types';
import { decodeBatch, encodeBatch, messageSizeEstimate } from './message-codec';
import { AuthHeaders, HEADER, Lane, newEpoch, parseAuthHeaders, PeerAuthenticator, sign, STREAM_OPENING } from './peer-auth';
import { Frame, FrameReader, frameHeader, FrameTooLargeError } from './stream-frame';
import type { Transport, TransportEvents } from '../ports/transport';
import type { HttpTransportOptions, TransportStats } from './http-transport-options';


/** The path peers post to, on the node's own HTTP port. */
export const RAFT_PEER_PATH = '/raft/messages';

/**
 * Peer messages over HTTP/1.1, on two lanes per peer:
 * - messages: ONE long-lived streaming request per peer (chunked body, never answered while it lasts) carrying
 *   signed frames (stream-frame.ts). Ordered, pipelined without limit, and nothing per batch beyond one socket
 *   write: no request to build, no headers to parse, no response to send (what a request per batch cost made
 *   the peer traffic most of a busy leader's CPU). etcd's rafthttp streams the same way.
 * - snapshots: one request per snapshot, answered 204 once received, on its own connection so that a large
 *   snapshot never delays heartbeats, and so that its delivery can be reported (etcd's ReportSnapshot).
 * HTTP rather than raw TCP because the registry serves its client API and peer RPC on one port (7001..7003):
 * `handle(req, res)` mounts on any Node HTTP server (Fastify included); one port means one firewall rule and
 * one health story.
 */
export class HttpTransport implements Transport {
  readonly stats: TransportStats = {
    messagesSent: 0,
    framesSent: 0,
    streamsOpened: 0,
    streamsReplaced: 0,
    streamsClosedIdle: 0,
    sendFailures: 0,
    messagesReceived: 0,
    droppedQueueFull: 0,
    droppedPeerDown: 0,
    rejected: { 'unknown-peer': 0, misaddressed: 0, 'bad-signature': 0, stale: 0, replay: 0, malformed: 0, 'too-large': 0 },
  };

  private readonly senders = new Map<NodeId, { messages: PeerStream; snapshots: SnapshotSender }>();
  private readonly authenticator: PeerAuthenticator;
  private readonly peerIds: ReadonlySet<NodeId>;
  private readonly maxFrameBytes: number;
  private readonly maxSnapshotBytes: number;
  /** The one stream accepted per peer and lane (`from\nlane`): a newer authenticated one replaces it. */
  private readonly openStreams = new Map<string, http.IncomingMessage>();
  /** Closed: requests still routed here (a mounted transport's server closes later) are refused, not served. */
  private closed = false;
  private server: http.Server | null = null;
  private events: TransportEvents | null = null;

  constructor(private readonly opts: HttpTransportOptions) {
    const now = opts.now ?? Date.now;
    this.peerIds = new Set(Object.keys(opts.peers).filter((peer) => peer !== opts.id));
    this.authenticator = new PeerAuthenticator(opts.id, this.peerIds, opts.secret, opts.replayWindowMs ?? 30_000, now);
    this.maxFrameBytes = opts.maxFrameBytes ?? 8 * 1024 * 1024;
    this.maxSnapshotBytes = opts.maxSnapshotBytes ?? 128 * 1024 * 1024;
    const epoch = newEpoch();
    const shared: SenderContext = { opts, epoch, stats: this.stats, now, events: () => this.events };
    for (const peer of this.peerIds) {
      const url = new URL(RAFT_PEER_PATH, opts.peers[peer]);
      this.senders.set(peer, { messages: new PeerStream(peer, url, shared), snapshots: new SnapshotSender(peer, url, shared) });
    }
  }

  /** Where received messages and delivery reports go; messages that arrive before this are refused (503). */
  attach(events: TransportEvents): void {
    this.events = events;
  }

  send(messages: readonly Message[]): void {
    for (const msg of messages) {
      const lanes = this.senders.get(msg.to);
      if (lanes === undefined) throw new Error(`message to unknown peer ${msg.to}`);
      (msg.type === MessageType.Snapshot ? lanes.snapshots : lanes.messages).enqueue(msg);
    }
  }

  /**
   * Serves one peer request. Returns false, without touching `res`, when the request is not for Raft, so that a
   * server can chain it: `if (!transport.handle(req, res)) app(req, res)`.
   *
   * Nothing of the body is read before the stream's signed headers are verified (sender, receiver, lane, epoch,
   * sequence, timestamp: see peer-auth.ts), so a client without RAFT_SECRET costs a header check and no buffer.
   * Each peer holds at most one stream per lane: a newer authenticated stream replaces the older (a peer that
   * reconnects after a network fault must not wait for its dead connection to time out).
   */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    if (req.url !== RAFT_PEER_PATH) return false;
    if (req.method !== 'POST') {
      answer(res, 405, 'method_not_allowed', `peers POST to ${RAFT_PEER_PATH}`, { allow: 'POST' });
      req.resume();
      return true;
    }
    if (this.closed) {
      // A peer whose stream was cut opens another at its next heartbeat: accepted, it would keep the app's
      // server from ever finishing its close.
      answer(res, 503, 'unavailable', 'this node is stopping');
      req.destroy();
      return true;
    }
    const auth = parseAuthHeaders((name) => header(req, name));
    if (auth === null) {
      // No usable signed opening: the sender has not authenticated (401), whatever else is wrong.
      this.refuse(req, res, 401, 'malformed');
      return true;
    }
    const outcome = this.authenticator.verify(auth, STREAM_OPENING);
    if (outcome !== 'ok') {
      this.refuse(req, res, outcome === 'unknown-peer' || outcome === 'misaddressed' ? 403 : 401, outcome);
      return true;
    }
    this.track(auth, req);
    if (auth.lane === 'messages') this.receiveStream(auth, req, res);
    else this.receiveSnapshot(auth, req, res);
    return true;
  }

  /** Runs a dedicated HTTP server for peer traffic (when the transport is not mounted on an app's server). */
  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
      if (!this.handle(req, res)) res.writeHead(404).end();
    });
    server.headersTimeout = 10_000;
    // A messages stream lasts as long as the peer keeps it: no limit on a whole request. A silent socket is
    // closed instead (a live stream carries heartbeats many times a second; senders close idle ones sooner).
    server.requestTimeout = 0;
    server.setTimeout(60_000, (socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  /** Changes a peer's URL (a member restarted on another port). */
  setPeerUrl(peer: NodeId, url: string): void {
    const lanes = this.senders.get(peer);
    lanes?.messages.setUrl(new URL(RAFT_PEER_PATH, url));
    lanes?.snapshots.setUrl(new URL(RAFT_PEER_PATH, url));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.events = null;
    for (const lanes of this.senders.values()) {
      lanes.messages.close();
      lanes.snapshots.close();
    }
    // Streams from peers end with their sockets; on a mounted transport the app's server owns those.
    for (const req of this.openStreams.values()) req.destroy();
    const server = this.server;
    if (server !== null) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** One stream per peer and lane: the newest replaces the one before. */
  private track(auth: AuthHeaders, req: http.IncomingMessage): void {
    const key = `${auth.from}\n${auth.lane}`;
    const older = this.openStreams.get(key);
    this.openStreams.set(key, req);
    if (older !== undefined) {
      this.stats.streamsReplaced++;
      older.destroy();
    }
    req.on('close', () => {
      if (this.openStreams.get(key) === req) this.openStreams.delete(key);
    });
    req.on('error', () => req.destroy());
  }

  /** The messages lane: signed frames until the peer ends the stream; the first bad frame ends it, answered. */
  private receiveStream(stream: AuthHeaders, req: http.IncomingMessage, res: http.ServerResponse): void {
    const reader = new FrameReader(stream, this.maxFrameBytes);
    req.on('data', (chunk: Buffer) => {
      if (res.headersSent) return;
      const frames = this.framesOf(reader, chunk, req, res);
      for (const frame of frames ?? []) {
        if (!this.verify(frame, req, res)) return;
        const messages = this.decode(frame.auth, frame.batch, req, res);
        if (messages === null || !this.deliver(messages, req, res)) return;
      }
    });
    req.on('end', () => {
      if (!res.headersSent) res.writeHead(204).end();
    });
  }

  /**
   * The snapshot lane: one snapshot per request, in signed chunks (frames) that are joined, up to
   * `maxSnapshotBytes`, and answered 204 once it is taken.
   */
  private receiveSnapshot(stream: AuthHeaders, req: http.IncomingMessage, res: http.ServerResponse): void {
    if (Number(req.headers['content-length'] ?? 0) > this.maxSnapshotBytes + 1024 * 1024) return this.refuse(req, res, 413, 'too-large');
    const reader = new FrameReader(stream, this.maxFrameBytes);
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      if (res.headersSent) return;
      for (const frame of this.framesOf(reader, chunk, req, res) ?? []) {
        if (!this.verify(frame, req, res)) return;
        received += frame.batch.length;
        if (received > this.maxSnapshotBytes) return this.refuse(req, res, 413, 'too-large');
        chunks.push(frame.batch);
      }
    });
    req.on('end', () => {
      if (res.headersSent) return;
      const messages = this.decode(stream, Buffer.concat(chunks, received), req, res);
      if (messages !== null && this.deliver(messages, req, res)) res.writeHead(204).end();
    });
  }

  /** The frames completed by `chunk`; null (answered) when the stream broke its framing or size bound. */
  private framesOf(reader: FrameReader, chunk: Buffer, req: http.IncomingMessage, res: http.ServerResponse): Frame[] | null {
    try {
      return reader.push(chunk);
    } catch (error) {
      if (error instanceof FrameTooLargeError) this.refuse(req, res, 413, 'too-large');
      else this.refuse(req, res, 400, 'malformed');
      return null;
    }
  }

  /** Checks one frame's signature and sequence; on refusal answers (closing the connection) and returns false. */
  private verify(frame: Frame, req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const outcome = this.authenticator.verify(frame.auth, frame.batch);
    if (outcome === 'ok') return true;
    this.refuse(req, res, outcome === 'unknown-peer' || outcome === 'misaddressed' ? 403 : 401, outcome);
    return false;
  }

  /** The messages of a verified batch; null (answered) when malformed or when the peer speaks for another node. */
  private decode(auth: AuthHeaders, batch: Buffer, req: http.IncomingMessage, res: http.ServerResponse): Message[] | null {
    let messages: Message[];
    try {
      messages = decodeBatch(batch);
    } catch {
      this.refuse(req, res, 400, 'malformed');
      return null;
    }
    // The signature covers the batch, but a peer may only speak for itself and only to us.
    if (messages.some((msg) => msg.from !== auth.from || msg.to !== this.opts.id)) {
      this.refuse(req, res, 403, 'misaddressed');
      return null;
    }
    return messages;
  }

  /** Hands verified messages over; false (answered 503) when no one listens yet. */
  private deliver(messages: Message[], req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const events = this.events;
    if (events === null) {
      answer(res, 503, 'unavailable', 'this node is starting');
      req.destroy();
      return false;
    }
    this.stats.messagesReceived += messages.length;
    for (const msg of messages) events.onMessage(msg);
    return true;
  }

  private refuse(req: http.IncomingMessage, res: http.ServerResponse, status: number, reason: keyof TransportStats['rejected']): void {
    this.stats.rejected[reason]++;
    answer(res, status, `peer_${reason.replace('-', '_')}`, `peer request refused: ${reason}`);
    req.destroy();
  }
}

/** Every answer in the shop's JSON error shape `{"error":{"code","message"}}`; the connection is not kept. */
function answer(res: http.ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' }).end(body);
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

interface SenderContext {
  opts: HttpTransportOptions;
  /** Random per transport: a restarted sender's sequence numbers start again without looking like replays. */
  epoch: string;
  stats: TransportStats;
  now: () => number;
  events: () => TransportEvents | null;
}

/** The part of both lanes' senders that decides whether a message may wait for the peer, and reports drops. */
abstract class QueueingSender {
  protected queue: Message[] = [];
  protected seq = 0;
  protected closed = false;
  private downUntil = 0;

  constructor(
    protected readonly peer: NodeId,
    protected url: URL,
    protected readonly ctx: SenderContext,
    private readonly maxQueued: number,
  ) {}

  setUrl(url: URL): void {
    this.url = url;
    this.downUntil = 0;
  }

  enqueue(msg: Message): void {
    if (this.closed) return;
    if (this.ctx.now() < this.downUntil) {
      this.ctx.stats.droppedPeerDown++;
      this.dropped(msg);
      return;
    }
    if (this.queue.length >= this.maxQueued) {
      this.ctx.stats.droppedQueueFull++;
      this.dropped(msg);
      return;
    }
    this.queue.push(msg);
    this.pump();
  }

  close(): void {
    this.closed = true;
    this.queue = [];
  }

  protected abstract pump(): void;

  /** The peer failed: what waits is dropped, and so is what comes during the backoff; the core probes again. */
  protected failed(): void {
    this.ctx.stats.sendFailures++;
    this.downUntil = this.ctx.now() + (this.ctx.opts.retryBackoffMs ?? 100);
    this.queue = [];
    this.ctx.events()?.onUnreachable(this.peer);
  }

  protected dropped(msg: Message): void {
    const events = this.ctx.events();
    events?.onUnreachable(this.peer);
    if (msg.type === MessageType.Snapshot) events?.onSnapshotStatus(this.peer, false);
  }

  /** Up to about `maxBatchBytes` from the head of the queue (at least one message). */
  protected takeBatch(): Message[] {
    const maxBytes = this.ctx.opts.maxBatchBytes ?? 4 * 1024 * 1024;
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length) {
      bytes += messageSizeEstimate(this.queue[count]!);
      if (count > 0 && bytes > maxBytes) break;
      count++;
    }
    if (count === this.queue.length) {
      const all = this.queue;
      this.queue = [];
      return all;
    }
    return this.queue.splice(0, count);
  }

  protected authFields(lane: Lane, body: Uint8Array): { fields: Omit<AuthHeaders, 'signature'>; signature: string } {
    const fields = { from: this.ctx.opts.id, to: this.peer, lane, epoch: this.ctx.epoch, seq: ++this.seq, timestamp: this.ctx.now() };
    return { fields, signature: sign(this.ctx.opts.secret, fields, body) };
  }
}

/**
 * The messages lane to one peer: one streaming request, opened on demand. Messages handed over in one turn of
 * the event loop leave as one frame at the end of the turn (a Ready's messages, or a burst of them, cost one
 * socket write). The stream is dropped, and the peer reported unreachable, when it fails, when the peer
 * answers (it only answers to refuse), or when it makes no progress for `requestTimeoutMs` with bytes waiting;
 * an idle stream is ended quietly and opened again by the next message.
 */
class PeerStream extends QueueingSender {
  private stream: http.ClientRequest | null = null;
  /** Streams ended quietly whose peer has not answered yet. */
  private readonly ending = new Set<http.ClientRequest>();
  private flushScheduled = false;

  constructor(peer: NodeId, url: URL, ctx: SenderContext) {
    super(peer, url, ctx, ctx.opts.maxQueuedMessages ?? 4096);
  }

  override setUrl(url: URL): void {
    super.setUrl(url);
    this.endQuietly();
  }

  override close(): void {
    super.close();
    this.stream?.destroy();
    this.stream = null;
    for (const stream of this.ending) stream.destroy();
  }

  protected pump(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(this.flush);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.closed || this.queue.length === 0) return;
    const stream = this.stream ?? this.open();
    while (this.queue.length > 0) {
      const batch = this.takeBatch();
      const body = encodeBatch(batch);
      const { fields, signature } = this.authFields('messages', body);
      // Two writes of one corked turn: one socket write, and the batch is not copied into a frame.
      stream.write(frameHeader(fields, signature, body.length));
      stream.write(body);
      this.ctx.stats.framesSent++;
      this.ctx.stats.messagesSent += batch.length;
    }
    if (stream.writableLength > (this.ctx.opts.maxBufferedBytes ?? 64 * 1024 * 1024)) this.fail(stream);
  };

  private open(): http.ClientRequest {
    const { fields, signature } = this.authFields('messages', STREAM_OPENING);
    const stream = http.request(this.url, {
      method: 'POST',
      // A connection of its own: the stream holds it for as long as it lasts.
      agent: false,
      // As an option (not setTimeout()) so that it also bounds connecting.
      timeout: this.ctx.opts.requestTimeoutMs ?? 2_000,
      headers: { 'content-type': 'application/x-raft-frames', 'transfer-encoding': 'chunked', ...signedHeaders(fields, signature) },
    });
    stream.on('timeout', () => {
      // No progress for that long: quiet if nothing waits (idle), a failure if bytes wait (peer not reading,
      // or never connected).
      if (stream.writableLength === 0 && stream.socket?.readyState === 'open') {
        this.ctx.stats.streamsClosedIdle++;
        this.endQuietly();
      } else {
        this.fail(stream);
      }
    });
    stream.on('response', (res) => {
      res.resume();
      if (this.stream === stream) this.fail(stream);
    });
    stream.on('error', () => this.fail(stream));
    stream.on('close', () => {
      if (this.stream === stream) this.fail(stream);
    });
    this.ctx.stats.streamsOpened++;
    this.stream = stream;
    return stream;
  }

  private fail(stream: http.ClientRequest): void {
    if (this.stream !== stream) return;
    this.stream = null;
    stream.destroy();
    if (!this.closed) this.failed();
  }

  /** Ends the current stream without reporting anything (idle, or the peer moved). */
  private endQuietly(): void {
    const stream = this.stream;
    if (stream === null) return;
    this.stream = null;
    stream.end();
    // A peer answers an ended stream at once; the connection of one that does not is not kept waiting for it
    // (nor past this sender's close).
    this.ending.add(stream);
    const timer = setTimeout(() => stream.destroy(), this.ctx.opts.requestTimeoutMs ?? 2_000);
    timer.unref();
    stream.once('close', () => {
      clearTimeout(timer);
      this.ending.delete(stream);
    });
  }
}

/** The snapshot lane to one peer: one request at a time, its 204 reported as the snapshot delivered. */
class SnapshotSender extends QueueingSender {
  private inFlight = false;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor(peer: NodeId, url: URL, ctx: SenderContext) {
    super(peer, url, ctx, 2);
  }

  override close(): void {
    super.close();
    this.agent.destroy();
  }

  protected pump(): void {
    if (this.inFlight || this.queue.length === 0 || this.closed) return;
    const batch = this.takeBatch();
    this.inFlight = true;
    this.post(batch).then(
      () => this.finish(batch, true),
      () => this.finish(batch, false),
    );
  }

  private finish(batch: Message[], delivered: boolean): void {
    this.inFlight = false;
    if (delivered) this.ctx.stats.messagesSent += batch.length;
    else if (!this.closed) this.failed();
    const events = this.ctx.events();
    for (const msg of batch) if (msg.type === MessageType.Snapshot) events?.onSnapshotStatus(this.peer, delivered);
    this.pump();
  }

  /** The batch (a snapshot message) in signed chunks of `snapshotChunkBytes`, after signed stream headers. */
  private post(batch: Message[]): Promise<void> {
    const encoded = encodeBatch(batch);
    const chunkBytes = this.ctx.opts.snapshotChunkBytes ?? 1024 * 1024;
    const opening = this.authFields('snapshots', STREAM_OPENING);
    const parts: Buffer[] = [];
    for (let at = 0; at < encoded.length || at === 0; at += chunkBytes) {
      const chunk = encoded.subarray(at, at + chunkBytes);
      const { fields, signature } = this.authFields('snapshots', chunk);
      parts.push(frameHeader(fields, signature, chunk.length), chunk);
    }
    const length = parts.reduce((sum, part) => sum + part.length, 0);
    const timeout = this.ctx.opts.snapshotTimeoutMs ?? 60_000;
    this.ctx.stats.framesSent++;
    return new Promise<void>((resolve, reject) => {
      const req = http.request(this.url, {
        method: 'POST',
        agent: this.agent,
        timeout,
        headers: { 'content-type': 'application/x-raft-frames', 'content-length': length, ...signedHeaders(opening.fields, opening.signature) },
      });
      req.on('timeout', () => req.destroy(new Error(`snapshot to ${this.peer} not taken within ${timeout} ms`)));
      req.on('error', reject);
      req.on('response', (res) => {
        res.resume();
        if (res.statusCode === 204) resolve();
        else reject(new Error(`peer ${this.peer} answered ${res.statusCode}`));
      });
      for (const part of parts) req.write(part);
      req.end();
    });
  }
}

/** The signed headers that open a stream or a snapshot request, checked by the receiver before it reads a byte. */
function signedHeaders(fields: Omit<AuthHeaders, 'signature'>, signature: string): Record<string, string> {
  return {
    [HEADER.from]: fields.from,
    [HEADER.to]: fields.to,
    [HEADER.lane]: fields.lane,
    [HEADER.epoch]: fields.epoch,
    [HEADER.seq]: String(fields.seq),
    [HEADER.timestamp]: String(fields.timestamp),
    [HEADER.signature]: signature,
  };
}
