/**
 * @shop/raft -- Raft consensus (the seed's Raft section): a replicated log that a majority of nodes agree on, so
 * that the registry and config center keep one truth while a minority of its nodes is down or cut off.
 *
 * The seed's concepts, and where they live:
 * - 任期 (term): `HardState.term`, raised by every election; a message of an older term is refused (core/).
 * - 日志 (log) and 日志复制 (log replication): `Entry`; the leader's Append messages with the consistency check
 *   (core/), made durable in the write-ahead log before anything depends on them (storage/file-wal.ts).
 * - 投票 (vote) and 候选人 (candidate): one vote per term, only for a candidate whose log is at least as up to
 *   date (core/); the vote is fsynced before the answer leaves (host/).
 * - 脑裂 (split brain): a write is acknowledged only once a majority stored it, and a leader that loses its
 *   majority steps down (check-quorum), so a minority side can never acknowledge a write; reads go through
 *   ReadIndex (`RaftHost.readBarrier`) so a deposed leader cannot serve stale data.
 *
 * Layers: `core/` is the pure protocol (`RaftNode`: messages and ticks in, `Ready` out); `ports/` the interfaces
 * the host runs on, one file each with its contract (`StateMachine`, `LogStore`, `StableStore`, `RaftLogStorage`,
 * `SnapshotStore`, `Transport`, `PeerTransport`, `HostPorts`, `RaftLogger`); `storage/` the on-disk WAL and
 * snapshot store (and in-memory ones for tests); `transport/` peer messages over authenticated HTTP; `host/` the
 * `RaftHost` that wires them to real time; `testing/` the simulator.
 *
 * Main entry point, `RaftHost`:
 * ```ts
 * const host = await RaftHost.start({
 *   id: 'n1', peers: { n1: 'http://10.0.0.1:7001', n2: ..., n3: ... }, dataDir: '/var/lib/registry',
 *   secret: config.raftSecret, stateMachine,            // apply / snapshot / restore, deterministic
 *   // either let the host run its own peer server ...
 *   // listen: { port: 7101 },
 * });
 * await host.propose(bytes);        // -> { index, result } once applied here; NotLeaderError | TimeoutError
 * await host.readBarrier();         // linearizable read point, also on followers
 * host.status(); host.onApplied(cb); await host.transferLeadership('n2'); await host.stop();
 * ```
 *
 * Mounting the peer transport on an existing server (the registry serves client API and peer RPC on one port).
 * Peers POST to `RAFT_PEER_PATH` (`/raft/messages`) of the URL given in `peers`. `host.handlePeerRequest(req,
 * res)` takes Node's raw request and response and returns false (touching nothing) for any other request.
 * With NestJS on Fastify, before `app.listen`:
 * ```ts
 * const fastify = app.getHttpAdapter().getInstance();
 * fastify.addHook('onRequest', (request, reply, done) => {
 *   if (request.raw.url !== RAFT_PEER_PATH) return done();
 *   reply.hijack();                                  // Fastify must not answer or parse the body
 *   host.handlePeerRequest(request.raw, reply.raw);
 * });
 * ```
 * `onRequest` runs before Fastify reads the body, so the raw stream is intact. With plain Node:
 * `http.createServer((req, res) => host.handlePeerRequest(req, res) || app(req, res))`.
 */
export * from './core/types';
export {
  RaftNode,
  ProgressState,
  acceptsFromNetwork,
  type RaftConfig,
  type InitialState,
  type ProposeResult,
  type RaftStatus,
  type PeerStatus,
  type Refusal,
} from './core/raft-node';

// The ports (hashicorp's layout: one file per port, its contract in its comment).
export type { StateMachine } from './ports/state-machine';
export type { LogStore } from './ports/log-store';
export type { StableStore } from './ports/stable-store';
export type { RaftLogStorage } from './ports/raft-log-storage';
export type { SnapshotStore } from './ports/snapshot-store';
export type { Transport, TransportEvents } from './ports/transport';
export type { PeerTransport } from './ports/peer-transport';
export type { HostPorts } from './ports/host-ports';
export type { RaftLogger } from './ports/raft-logger';
export { FileWal, type FileWalOptions, type WalStats } from './storage/file-wal';
export { WalCorruptionError } from './storage/wal-record';
export { FileSnapshotStore } from './storage/file-snapshot-store';
export { MemoryLogStorage, MemorySnapshotStore } from './storage/memory-storage';

export { HttpTransport, RAFT_PEER_PATH } from './transport/http-transport';
export type { HttpTransportOptions, TransportStats } from './transport/http-transport-options';
/** The peer wire format, for tools and tests that speak it (a forged frame must be refused). */
export { encodeBatch } from './transport/message-codec';
export { encodeFrame } from './transport/stream-frame';

export { RaftHost } from './host/raft-host';
export type { AppliedEntry, HostOptions, HostStats, PeerProgress, RaftHostOptions, RaftHostStatus } from './host/host-options';
export { NotLeaderError, TimeoutError, OverloadedError, ProposalDroppedError, HostStoppedError } from './host/errors';
