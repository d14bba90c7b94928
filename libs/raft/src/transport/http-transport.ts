import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { Message, MessageType, NodeId } from '../core/types';
import { decodeBatch, encodeBatch, messageSizeEstimate } from './message-codec';
import { HEADER, Lane, newEpoch, parseAuthHeaders, PeerAuthenticator, sign, Verdict } from './peer-auth';

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

export interface HttpTransportOptions {
  id: NodeId;
  /** Base URL of every member (itself included or not), e.g. `{ n2: 'http://127.0.0.1:7002' }`. */
  peers: Record<NodeId, string>;
  secret: string;
  /** Per request; a batch holding a snapshot gets `snapshotTimeoutMs`. */
  requestTimeoutMs?: number;
  snapshotTimeoutMs?: number;
  /** Messages waiting for one peer; beyond it new messages are dropped and the peer reported unreachable. */
  maxQueuedMessages?: number;
  /** About this many bytes per request (at least one message). */
  maxBatchBytes?: number;
  /** Largest request body accepted (a snapshot travels in one request). */
  maxBodyBytes?: number;
  /** After a failed request, messages to that peer are dropped for this long instead of piling up. */
  retryBackoffMs?: number;
  /** Accepted clock difference between peers; also how long a replay could work after a receiver restart. */
  replayWindowMs?: number;
  now?: () => number;
}

export interface TransportStats {
  messagesSent: number;
  requestsSent: number;
  requestsFailed: number;
  messagesReceived: number;
  droppedQueueFull: number;
  droppedPeerDown: number;
  /** Requests refused by the receiver side, by reason. */
  rejected: Record<Exclude<Verdict, 'ok'> | 'malformed' | 'too-large', number>;
}

/** The path peers post to, on the node's own HTTP port. */
export const RAFT_PEER_PATH = '/raft/messages';

/**
 * Peer messages over HTTP/1.1 with keep-alive connections. HTTP rather than raw TCP because the registry serves
 * its client API and peer RPC on one port (7001..7003): `handle(req, res)` mounts on any Node HTTP server
 * (Fastify included), and one port means one firewall rule and one health story. The costs of HTTP are paid
 * once per batch, not per message: each peer has one request in flight at a time, and everything queued
 * meanwhile leaves in the next request (natural batching that grows with load, as in etcd's pipeline).
 */
export class HttpTransport implements Transport {
  readonly stats: TransportStats = {
    messagesSent: 0,
    requestsSent: 0,
    requestsFailed: 0,
    messagesReceived: 0,
    droppedQueueFull: 0,
    droppedPeerDown: 0,
    rejected: { 'unknown-peer': 0, misaddressed: 0, 'bad-signature': 0, stale: 0, replay: 0, malformed: 0, 'too-large': 0 },
  };

  /** Per peer: ordinary messages, and snapshots on their own connection so that they never delay heartbeats. */
  private readonly senders = new Map<NodeId, Record<Lane, PeerSender>>();
  private readonly authenticator: PeerAuthenticator;
  private readonly maxBodyBytes: number;
  private server: http.Server | null = null;
  private events: TransportEvents | null = null;

  constructor(private readonly opts: HttpTransportOptions) {
    const now = opts.now ?? Date.now;
    const peerIds = Object.keys(opts.peers).filter((peer) => peer !== opts.id);
    this.authenticator = new PeerAuthenticator(opts.id, new Set(peerIds), opts.secret, opts.replayWindowMs ?? 30_000, now);
    this.maxBodyBytes = opts.maxBodyBytes ?? 256 * 1024 * 1024;
    const epoch = newEpoch();
    const events = () => this.events;
    for (const peer of peerIds) {
      const url = new URL(RAFT_PEER_PATH, opts.peers[peer]);
      this.senders.set(peer, {
        messages: new PeerSender(peer, 'messages', url, epoch, opts, opts.maxQueuedMessages ?? 4096, this.stats, now, events),
        snapshots: new PeerSender(peer, 'snapshots', url, epoch, opts, 2, this.stats, now, events),
      });
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
   */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    if (req.method !== 'POST' || req.url !== RAFT_PEER_PATH) return false;
    const refuse = (status: number, reason: keyof TransportStats['rejected']): void => {
      this.stats.rejected[reason]++;
      res.writeHead(status, { connection: 'close' }).end();
      req.destroy();
    };
    const headers = parseAuthHeaders((name) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    });
    if (headers === null) {
      refuse(400, 'malformed');
      return true;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.maxBodyBytes) {
      refuse(413, 'too-large');
      return true;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > this.maxBodyBytes) refuse(413, 'too-large');
      else chunks.push(chunk);
    });
    req.on('error', () => req.destroy());
    req.on('end', () => {
      if (received > this.maxBodyBytes) return;
      const body = Buffer.concat(chunks);
      const verdict = this.authenticator.verify(headers, body);
      if (verdict !== 'ok') {
        this.stats.rejected[verdict]++;
        res.writeHead(verdict === 'unknown-peer' || verdict === 'misaddressed' ? 403 : 401).end();
        return;
      }
      const events = this.events;
      if (events === null) {
        res.writeHead(503).end();
        return;
      }
      let messages: Message[];
      try {
        messages = decodeBatch(body);
      } catch {
        this.stats.rejected.malformed++;
        res.writeHead(400).end();
        return;
      }
      // The signature covers the body, but a peer may only speak for itself and only to us.
      if (messages.some((msg) => msg.from !== headers.from || msg.to !== this.opts.id)) {
        this.stats.rejected.misaddressed++;
        res.writeHead(403).end();
        return;
      }
      res.writeHead(204).end();
      this.stats.messagesReceived += messages.length;
      for (const msg of messages) events.onMessage(msg);
    });
    return true;
  }

  /** Runs a dedicated HTTP server for peer traffic (when the transport is not mounted on an app's server). */
  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
      if (!this.handle(req, res)) res.writeHead(404).end();
    });
    server.headersTimeout = 10_000;
    server.requestTimeout = this.opts.snapshotTimeoutMs ?? 60_000;
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
    for (const lanes of this.senders.values()) {
      lanes.messages.close();
      lanes.snapshots.close();
    }
    const server = this.server;
    if (server !== null) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}

/** The queue and the one request in flight to one peer on one lane. */
class PeerSender {
  private queue: Message[] = [];
  private inFlight = false;
  private seq = 0;
  private downUntil = 0;
  private closed = false;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor(
    private readonly peer: NodeId,
    private readonly lane: Lane,
    private url: URL,
    private readonly epoch: string,
    private readonly opts: HttpTransportOptions,
    private readonly maxQueued: number,
    private readonly stats: TransportStats,
    private readonly now: () => number,
    private readonly events: () => TransportEvents | null,
  ) {}

  setUrl(url: URL): void {
    this.url = url;
    this.downUntil = 0;
  }

  enqueue(msg: Message): void {
    if (this.closed) return;
    if (this.now() < this.downUntil) {
      this.stats.droppedPeerDown++;
      this.dropped(msg);
      return;
    }
    if (this.queue.length >= this.maxQueued) {
      this.stats.droppedQueueFull++;
      this.dropped(msg);
      return;
    }
    this.queue.push(msg);
    this.pump();
  }

  close(): void {
    this.closed = true;
    this.queue = [];
    this.agent.destroy();
  }

  private dropped(msg: Message): void {
    const events = this.events();
    events?.onUnreachable(this.peer);
    if (msg.type === MessageType.Snapshot) events?.onSnapshotStatus(this.peer, false);
  }

  private pump(): void {
    if (this.inFlight || this.queue.length === 0 || this.closed) return;
    const batch = this.takeBatch();
    this.inFlight = true;
    this.post(batch).then(
      () => this.finish(batch, true),
      () => this.finish(batch, false),
    );
  }

  private takeBatch(): Message[] {
    const maxBytes = this.opts.maxBatchBytes ?? 4 * 1024 * 1024;
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length) {
      bytes += messageSizeEstimate(this.queue[count]!);
      if (count > 0 && bytes > maxBytes) break;
      count++;
    }
    return this.queue.splice(0, count);
  }

  private finish(batch: Message[], delivered: boolean): void {
    this.inFlight = false;
    const events = this.events();
    if (delivered) {
      this.stats.messagesSent += batch.length;
    } else {
      this.stats.requestsFailed++;
      this.downUntil = this.now() + (this.opts.retryBackoffMs ?? 100);
      this.queue = [];
      events?.onUnreachable(this.peer);
    }
    for (const msg of batch) if (msg.type === MessageType.Snapshot) events?.onSnapshotStatus(this.peer, delivered);
    this.pump();
  }

  private post(batch: Message[]): Promise<void> {
    const body = encodeBatch(batch);
    const fields = { from: this.opts.id, to: this.peer, lane: this.lane, epoch: this.epoch, seq: ++this.seq, timestamp: this.now() };
    const signature = sign(this.opts.secret, fields, body);
    const hasSnapshot = batch.some((msg) => msg.type === MessageType.Snapshot);
    const timeout = hasSnapshot ? (this.opts.snapshotTimeoutMs ?? 60_000) : (this.opts.requestTimeoutMs ?? 2_000);
    this.stats.requestsSent++;
    return new Promise<void>((resolve, reject) => {
      const req = http.request(this.url, {
        method: 'POST',
        agent: this.agent,
        timeout,
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': body.length,
          [HEADER.from]: fields.from,
          [HEADER.to]: fields.to,
          [HEADER.lane]: fields.lane,
          [HEADER.epoch]: fields.epoch,
          [HEADER.seq]: String(fields.seq),
          [HEADER.timestamp]: String(fields.timestamp),
          [HEADER.signature]: signature,
        },
      });
      req.on('timeout', () => req.destroy(new Error(`request to ${this.peer} timed out after ${timeout} ms`)));
      req.on('error', reject);
      req.on('response', (res) => {
        res.resume();
        if (res.statusCode === 204) resolve();
        else reject(new Error(`peer ${this.peer} answered ${res.statusCode}`));
      });
      req.end(body);
    });
  }
}
