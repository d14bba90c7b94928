import * as http from 'node:http';
import * as net from 'node:net';
import { Entry, EntryType, Message, MessageType, NodeId } from '../core/types';
import type { TransportEvents } from '../ports/transport';
import { HttpTransport, RAFT_PEER_PATH } from './http-transport';
import { decodeBatch, encodeBatch } from './message-codec';
import { HEADER, Lane, sign, STREAM_OPENING } from './peer-auth';
import { encodeFrame } from './stream-frame';

const SECRET = 'dev-raft-secret';

function message(from: NodeId, to: NodeId, overrides: Partial<Message> = {}): Message {
  return {
    type: MessageType.Append, from, to, term: 3, index: 7, logTerm: 2, entries: [], commit: 6, reject: false, rejectHint: 0,
    ...overrides,
  };
}

interface Recorder extends TransportEvents {
  received: Message[];
  unreachable: NodeId[];
  snapshots: [NodeId, boolean][];
  waitFor(count: number): Promise<void>;
}

function recorder(): Recorder {
  const waiters: { count: number; resolve: () => void }[] = [];
  const r: Recorder = {
    received: [],
    unreachable: [],
    snapshots: [],
    onMessage(msg) {
      r.received.push(msg);
      for (const w of waiters) if (r.received.length >= w.count) w.resolve();
    },
    onUnreachable(peer) {
      r.unreachable.push(peer);
    },
    onSnapshotStatus(peer, delivered) {
      r.snapshots.push([peer, delivered]);
    },
    waitFor(count) {
      return r.received.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }));
    },
  };
  return r;
}

/** Posts raw bytes with the given headers, as an attacker or a buggy peer would. */
function post(port: number, headers: Record<string, string>, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: RAFT_PEER_PATH, method: 'POST', headers, timeout: 2000 });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.end(body);
  });
}

/** Headers that open a stream, signed with `secret` (what a peer sends; with a wrong secret, what a forger sends). */
function opening(lane: Lane, seq: number, secret = SECRET, from = 'a', epoch = 'e'): Record<string, string> {
  const fields = { from, to: 'b', lane, epoch, seq, timestamp: Date.now() };
  return {
    [HEADER.from]: fields.from, [HEADER.to]: fields.to, [HEADER.lane]: fields.lane, [HEADER.epoch]: fields.epoch,
    [HEADER.seq]: String(fields.seq), [HEADER.timestamp]: String(fields.timestamp), [HEADER.signature]: sign(secret, fields, STREAM_OPENING),
  };
}

/** One signed frame carrying `body` (a batch, or a chunk of a snapshot's batch). */
function signedFrame(lane: Lane, seq: number, body: Buffer, secret = SECRET, from = 'a', epoch = 'e'): Buffer {
  const fields = { from, to: 'b', lane, epoch, seq, timestamp: Date.now() };
  return encodeFrame(fields, sign(secret, fields, body), body);
}

/** Opens a request and writes `body` without ending it: what a client that never finishes its upload does. */
function openUpload(port: number, headers: Record<string, string>, body: Buffer): { req: http.ClientRequest; answer: Promise<{ status: number; text: string }> } {
  const req = http.request({ host: '127.0.0.1', port, path: RAFT_PEER_PATH, method: 'POST', headers: { 'transfer-encoding': 'chunked', ...headers } });
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, text }));
    });
  });
  req.write(body);
  return { req, answer };
}

/** A peer that speaks no HTTP: `onSocket` decides what it does with each connection; close() ends them all. */
async function rawPeer(onSocket: (socket: net.Socket) => void): Promise<{ url: string; close(): Promise<void> }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('HttpTransport over loopback', () => {
  let a: HttpTransport;
  let b: HttpTransport;
  let bEvents: Recorder;
  let aEvents: Recorder;
  let bPort: number;

  beforeEach(async () => {
    // Listen first on ephemeral ports, then point each transport at the other.
    a = new HttpTransport({ id: 'a', peers: { b: 'http://127.0.0.1:1' }, secret: SECRET });
    b = new HttpTransport({ id: 'b', peers: { a: 'http://127.0.0.1:1' }, secret: SECRET });
    const aPort = await a.listen(0);
    bPort = await b.listen(0);
    a.setPeerUrl('b', `http://127.0.0.1:${bPort}`);
    b.setPeerUrl('a', `http://127.0.0.1:${aPort}`);
    aEvents = recorder();
    bEvents = recorder();
    a.attach(aEvents);
    b.attach(bEvents);
  });

  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it('delivers messages with entry data intact, those sent in one turn as one frame', async () => {
    const entries: Entry[] = [{ index: 8, term: 3, type: EntryType.Normal, data: new Uint8Array([0, 1, 255, 128]) }];
    const messages = Array.from({ length: 200 }, (_, k) => message('a', 'b', { index: k, entries, context: `c${k}` }));
    a.send(messages.slice(0, 100));
    a.send(messages.slice(100));
    await bEvents.waitFor(200);
    expect(bEvents.received).toEqual(messages);
    expect(a.stats.framesSent).toBe(1);
  });

  it('keeps order across many turns on one stream, however the frames are cut into chunks', async () => {
    const sent: Message[] = [];
    for (let turn = 0; turn < 300; turn++) {
      const batch = Array.from({ length: 1 + (turn % 7) }, (_, k) =>
        message('a', 'b', { index: sent.length + k, entries: [{ index: 1, term: 1, type: EntryType.Normal, data: new Uint8Array(turn * 37) }] }),
      );
      sent.push(...batch);
      a.send(batch);
      if (turn % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await bEvents.waitFor(sent.length);
    expect(bEvents.received.map((m) => m.index)).toEqual(sent.map((m) => m.index));
    expect(a.stats.streamsOpened).toBe(1);
    expect(aEvents.unreachable).toEqual([]);
  });

  it('once closed, refuses the streams peers open again, so that the app server it is mounted on can close', async () => {
    const mounted = new HttpTransport({ id: 'b', peers: { a: 'http://127.0.0.1:1' }, secret: SECRET });
    mounted.attach(recorder());
    const server = http.createServer((req, res) => {
      if (!mounted.handle(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await mounted.close();
    const stream = { [HEADER.lane]: 'messages', [HEADER.from]: 'a', [HEADER.to]: 'b' };
    expect(await post(port, stream, Buffer.alloc(0))).toBe(503);
    // Nothing of the refused stream keeps the server open.
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('ends an idle stream quietly and opens a new one for the next message', async () => {
    const quick = new HttpTransport({ id: 'a', peers: { b: `http://127.0.0.1:${bPort}` }, secret: SECRET, requestTimeoutMs: 150 });
    const events = recorder();
    quick.attach(events);
    try {
      quick.send([message('a', 'b', { index: 1 })]);
      await bEvents.waitFor(1);
      while (quick.stats.streamsClosedIdle === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      quick.send([message('a', 'b', { index: 2 })]);
      await bEvents.waitFor(2);
      expect(bEvents.received.map((m) => m.index)).toEqual([1, 2]);
      expect(quick.stats.streamsOpened).toBe(2);
      expect(events.unreachable).toEqual([]);
    } finally {
      await quick.close();
    }
  });

  it('closes the connection of an idle stream whose peer never answers its end', async () => {
    // Reads everything, answers nothing: the stream's end gets no 204.
    let closed = false;
    const mute = await rawPeer((socket) => {
      socket.resume();
      socket.on('close', () => (closed = true));
    });
    const quick = new HttpTransport({ id: 'a', peers: { b: mute.url }, secret: SECRET, requestTimeoutMs: 100 });
    const events = recorder();
    quick.attach(events);
    try {
      quick.send([message('a', 'b')]);
      while (!closed) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(quick.stats.streamsClosedIdle).toBe(1);
      expect(events.unreachable).toEqual([]);
    } finally {
      await quick.close();
      await mute.close();
    }
  });

  it('drops a stream the peer does not read, and reports the peer unreachable', async () => {
    // Accepts the connection and never reads a byte: the kernel buffers fill, then nothing moves.
    const silent = await rawPeer((socket) => socket.pause());
    const stuck = new HttpTransport({ id: 'a', peers: { b: silent.url }, secret: SECRET, requestTimeoutMs: 300 });
    const events = recorder();
    stuck.attach(events);
    try {
      const big = new Uint8Array(4 * 1024 * 1024);
      for (let i = 0; i < 8; i++) stuck.send([message('a', 'b', { entries: [{ index: i + 1, term: 1, type: EntryType.Normal, data: big }] })]);
      while (events.unreachable.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(events.unreachable).toEqual(['b']);
      expect(stuck.stats.sendFailures).toBe(1);
    } finally {
      await stuck.close();
      await silent.close();
    }
  });

  it('sends a snapshot on its own lane, beside ordinary messages, and reports it delivered', async () => {
    const snapshot = { metadata: { index: 50, term: 2, members: ['a', 'b'] }, data: new Uint8Array(1024 * 1024).fill(7) };
    a.send([message('a', 'b', { type: MessageType.Snapshot, snapshot }), message('a', 'b', { type: MessageType.Heartbeat })]);
    await bEvents.waitFor(2);
    expect(bEvents.received.map((m) => m.type).sort()).toEqual([MessageType.Heartbeat, MessageType.Snapshot]);
    const received = bEvents.received.find((m) => m.type === MessageType.Snapshot)!.snapshot!;
    expect(received.metadata).toEqual(snapshot.metadata);
    expect(Buffer.from(received.data).equals(Buffer.from(snapshot.data))).toBe(true);
    while (aEvents.snapshots.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(aEvents.snapshots).toEqual([['b', true]]);
  });

  it('encodes entry data as raw bytes, not as JSON numbers', () => {
    const data = new Uint8Array(10_000).fill(200);
    const encoded = encodeBatch([message('a', 'b', { entries: [{ index: 1, term: 1, type: EntryType.Normal, data }] })]);
    expect(encoded.length).toBeLessThan(10_200);
    expect(decodeBatch(encoded)[0]!.entries[0]!.data).toEqual(data);
  });

  it('snapshot lane: drops and counts a forged request (wrong secret), an unknown sender and a replayed request', async () => {
    const body = encodeBatch([message('a', 'b')]);
    expect(await post(bPort, opening('snapshots', 1, 'wrong-secret', 'a', 'attacker'), signedFrame('snapshots', 2, body, SECRET, 'a', 'attacker'))).toBe(401);
    expect(await post(bPort, opening('snapshots', 1, SECRET, 'mallory', 'attacker'), signedFrame('snapshots', 2, body, SECRET, 'mallory'))).toBe(403);
    // A genuine request, captured and sent again.
    const headers = opening('snapshots', 1, SECRET, 'a', 'captured');
    const genuine = signedFrame('snapshots', 2, body, SECRET, 'a', 'captured');
    expect(await post(bPort, headers, genuine)).toBe(204);
    expect(await post(bPort, headers, genuine)).toBe(401);

    expect(b.stats.rejected['bad-signature']).toBe(1);
    expect(b.stats.rejected['unknown-peer']).toBe(1);
    expect(b.stats.rejected.replay).toBe(1);
    expect(bEvents.received).toHaveLength(1);
  });

  it('messages stream: a forged frame ends the stream unheard; an unknown sender is refused; a captured stream cannot be replayed', async () => {
    const frame = (seq: number, secret: string): Buffer => signedFrame('messages', seq, encodeBatch([message('a', 'b', { index: seq })]), secret, 'a', 'captured');

    expect(await post(bPort, opening('messages', 1, SECRET, 'a', 'captured'), Buffer.concat([frame(2, 'wrong-secret'), frame(3, SECRET)]))).toBe(401);
    expect(await post(bPort, opening('messages', 1, SECRET, 'mallory'), Buffer.alloc(0))).toBe(403);
    const headers = opening('messages', 4, SECRET, 'a', 'captured');
    const genuine = Buffer.concat([frame(5, SECRET), frame(6, SECRET)]);
    expect(await post(bPort, headers, genuine)).toBe(204);
    expect(await post(bPort, headers, genuine)).toBe(401);
    // A frame that says it is longer than anything a peer may send is refused from its length alone.
    const huge = Buffer.alloc(8);
    huge.writeUInt32LE(0xffffffff, 0);
    expect(await post(bPort, opening('messages', 7, SECRET, 'a', 'captured'), huge)).toBe(413);

    expect(b.stats.rejected['bad-signature']).toBe(1);
    expect(b.stats.rejected['unknown-peer']).toBe(1);
    expect(b.stats.rejected.replay).toBe(1);
    expect(b.stats.rejected['too-large']).toBe(1);
    expect(bEvents.received.map((m) => m.index)).toEqual([5, 6]);
  });

  it('refuses a signed batch in which a peer speaks for another node', async () => {
    const status = await post(bPort, opening('messages', 1), signedFrame('messages', 2, encodeBatch([message('c', 'b')])));
    expect(status).toBe(403);
    expect(bEvents.received).toHaveLength(0);
  });

  it('refuses a stream whose headers are not signed before reading its body: nothing is buffered for a client without the secret', async () => {
    // The attack: public node ids, a frame announcing 200 MiB, and a body that keeps coming.
    const announced = Buffer.alloc(1024 * 1024);
    announced.writeUInt32LE(200 * 1024 * 1024, 0);
    for (const headers of [
      { [HEADER.from]: 'a', [HEADER.to]: 'b', [HEADER.lane]: 'messages' },
      opening('messages', 1, 'wrong-secret', 'a', 'forger'),
      opening('snapshots', 1, 'wrong-secret', 'a', 'forger'),
    ]) {
      const upload = openUpload(bPort, headers, announced);
      const { status, text } = await upload.answer;
      upload.req.destroy();
      expect([400, 401]).toContain(status);
      expect(JSON.parse(text)).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    }
    expect(bEvents.received).toHaveLength(0);
  });

  it('bounds a frame to the largest real frame (8 MiB by default), not to hundreds of MiB', async () => {
    const announced = Buffer.alloc(64 * 1024);
    announced.writeUInt32LE(16 * 1024 * 1024, 0);
    const upload = openUpload(bPort, opening('messages', 1), announced);
    const { status } = await upload.answer;
    upload.req.destroy();
    expect(status).toBe(413);
    expect(b.stats.rejected['too-large']).toBe(1);
  });

  it('keeps one stream per peer and lane: a newer authenticated stream replaces the older one', async () => {
    const first = openUpload(bPort, opening('messages', 1), signedFrame('messages', 2, encodeBatch([message('a', 'b', { index: 1 })])));
    await bEvents.waitFor(1);
    const firstClosed = new Promise<void>((resolve) => first.req.on('close', () => resolve()));
    first.answer.catch(() => undefined);
    const second = openUpload(bPort, opening('messages', 3), signedFrame('messages', 4, encodeBatch([message('a', 'b', { index: 2 })])));
    await bEvents.waitFor(2);
    await firstClosed;
    expect(b.stats.streamsReplaced).toBe(1);
    second.req.end();
    expect((await second.answer).status).toBe(204);
  });

  it('answers a GET of the peer path 405 in the JSON error shape (a bad request, not an outage)', async () => {
    const res = await fetch(`http://127.0.0.1:${bPort}${RAFT_PEER_PATH}`, { signal: AbortSignal.timeout(2000) });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(await res.json()).toEqual({ error: { code: 'method_not_allowed', message: expect.any(String) } });
  });

  it('sends a snapshot larger than a frame in signed chunks, and it arrives whole', async () => {
    const chunked = new HttpTransport({ id: 'a', peers: { b: `http://127.0.0.1:${bPort}` }, secret: SECRET, snapshotChunkBytes: 64 * 1024 });
    const events = recorder();
    chunked.attach(events);
    try {
      const data = new Uint8Array(1024 * 1024 + 17).map((_, i) => i % 251);
      chunked.send([message('a', 'b', { type: MessageType.Snapshot, snapshot: { metadata: { index: 9, term: 2, members: ['a', 'b'] }, data } })]);
      await bEvents.waitFor(1);
      expect(Buffer.from(bEvents.received[0]!.snapshot!.data).equals(Buffer.from(data))).toBe(true);
      while (events.snapshots.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(events.snapshots).toEqual([['b', true]]);
    } finally {
      await chunked.close();
    }
  });

  it('reports a peer that is down as unreachable, a failed snapshot as not delivered, and drops instead of queueing', async () => {
    await b.close();
    a.send([message('a', 'b', { type: MessageType.Snapshot, snapshot: { metadata: { index: 5, term: 1, members: ['a', 'b'] }, data: new Uint8Array(3) } })]);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (aEvents.snapshots.length > 0) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    expect(aEvents.snapshots).toEqual([['b', false]]);
    expect(aEvents.unreachable).toContain('b');
    // Ordinary messages: the failed request reports the peer, and for a short while later ones are dropped at once.
    a.send([message('a', 'b')]);
    while (a.stats.sendFailures < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    a.send([message('a', 'b')]);
    expect(a.stats.droppedPeerDown).toBe(1);
  });

  it('bounds the queue to a peer: beyond it messages are dropped and the peer reported', async () => {
    const small = new HttpTransport({ id: 'a', peers: { b: `http://127.0.0.1:${bPort}` }, secret: SECRET, maxQueuedMessages: 10 });
    const events = recorder();
    small.attach(events);
    // Ten wait for the end of the turn; the rest are dropped.
    small.send(Array.from({ length: 30 }, () => message('a', 'b')));
    expect(small.stats.droppedQueueFull).toBe(20);
    expect(events.unreachable.length).toBe(20);
    await bEvents.waitFor(10);
    await small.close();
  });
});
