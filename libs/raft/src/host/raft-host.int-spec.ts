import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { eventually, freePort } from '@shop/testing';
import { NodeId, Role } from '../core/types';
import { NotLeaderError } from './errors';
import type { StateMachine } from '../ports/state-machine';
import { RaftHost } from './raft-host';

/**
 * Three real hosts: WAL and snapshots in a temp dir, peer traffic over HTTP on 127.0.0.1. Waits have generous
 * ceilings (a loaded CI box is slow); nothing asserts on how long something took.
 */
jest.setTimeout(120_000);

/** A list of strings: apply appends and returns the new length; deterministic, and easy to compare across nodes. */
class ListMachine implements StateMachine {
  items: string[] = [];
  apply(entry: { index: number; data: Uint8Array }): unknown {
    this.items.push(Buffer.from(entry.data).toString('utf8'));
    return this.items.length;
  }
  snapshot(): Uint8Array {
    return new Uint8Array(Buffer.from(JSON.stringify(this.items)));
  }
  restore(data: Uint8Array): void {
    this.items = JSON.parse(Buffer.from(data).toString('utf8')) as string[];
  }
}

/** In-process state, so checked often. */
const waitUntil = (what: string, condition: () => boolean, ceilingMs = 20_000) => eventually(what, condition, ceilingMs, 10);

const text = (value: string) => new Uint8Array(Buffer.from(value));

class Cluster {
  readonly hosts = new Map<NodeId, RaftHost>();
  readonly machines = new Map<NodeId, ListMachine>();

  constructor(
    readonly root: string,
    readonly peers: Record<NodeId, string>,
    readonly snapshotThreshold: number,
    readonly snapshotBytesThreshold?: number,
  ) {}

  static async create(snapshotThreshold = 10_000, snapshotBytesThreshold?: number): Promise<Cluster> {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'raft-host-'));
    const peers: Record<NodeId, string> = {};
    for (const id of ['n1', 'n2', 'n3']) peers[id] = `http://127.0.0.1:${await freePort()}`;
    const cluster = new Cluster(root, peers, snapshotThreshold, snapshotBytesThreshold);
    for (const id of Object.keys(peers)) await cluster.start(id);
    return cluster;
  }

  async start(id: NodeId): Promise<RaftHost> {
    const machine = new ListMachine();
    const host = await RaftHost.start({
      id,
      peers: this.peers,
      dataDir: path.join(this.root, id),
      secret: 'dev-raft-secret',
      stateMachine: machine,
      tickMs: 20,
      electionTicks: 10,
      snapshotThreshold: this.snapshotThreshold,
      ...(this.snapshotBytesThreshold !== undefined ? { snapshotBytesThreshold: this.snapshotBytesThreshold } : {}),
      listen: { port: Number(new URL(this.peers[id]!).port), host: '127.0.0.1' },
      logger: { event: () => undefined },
    });
    this.hosts.set(id, host);
    this.machines.set(id, machine);
    return host;
  }

  async stop(id: NodeId): Promise<void> {
    await this.hosts.get(id)!.stop();
    this.hosts.delete(id);
  }

  async leader(): Promise<RaftHost> {
    let found: RaftHost | undefined;
    await waitUntil('a leader that every running node agrees on', () => {
      const leaders = [...this.hosts.values()].filter((h) => h.status().role === Role.Leader);
      const leader = leaders.length === 1 ? leaders[0] : undefined;
      const id = leader?.status().id;
      found = [...this.hosts.values()].every((h) => h.status().leader === id) ? leader : undefined;
      return found !== undefined;
    });
    return found!;
  }

  async converged(count: number): Promise<void> {
    await waitUntil(`every running node applied ${count} items`, () =>
      [...this.hosts.keys()].every((id) => this.machines.get(id)!.items.length >= count),
    );
  }

  async close(): Promise<void> {
    for (const id of [...this.hosts.keys()]) await this.stop(id);
    await fs.rm(this.root, { recursive: true, force: true });
  }
}

describe('RaftHost: three nodes over loopback with real WALs', () => {
  let cluster: Cluster;
  afterEach(async () => {
    await cluster.close();
  });

  it('elects a leader, commits proposals on all nodes, and survives the loss of the leader without losing an acknowledged write', async () => {
    cluster = await Cluster.create();
    const leader = await cluster.leader();
    const acknowledged: string[] = [];
    for (let k = 0; k < 20; k++) {
      const { result } = await leader.propose(text(`a${k}`));
      expect(result).toBe(k + 1);
      acknowledged.push(`a${k}`);
    }
    await cluster.converged(20);
    for (const machine of cluster.machines.values()) expect(machine.items).toEqual(acknowledged);

    // A follower refuses proposals and names the leader.
    const follower = [...cluster.hosts.values()].find((h) => h !== leader)!;
    await expect(follower.propose(text('x'))).rejects.toEqual(expect.any(NotLeaderError));
    await follower.propose(text('x')).catch((error: NotLeaderError) => {
      expect(error.leader).toBe(leader.status().id);
      expect(error.leaderUrl).toBe(cluster.peers[leader.status().id]);
    });

    const oldLeaderId = leader.status().id;
    await cluster.stop(oldLeaderId);
    const newLeader = await cluster.leader();
    expect(newLeader.status().id).not.toBe(oldLeaderId);
    for (let k = 0; k < 10; k++) {
      await newLeader.propose(text(`b${k}`));
      acknowledged.push(`b${k}`);
    }
    await cluster.converged(30);
    for (const machine of [...cluster.hosts.keys()].map((id) => cluster.machines.get(id)!)) {
      expect(machine.items).toEqual(acknowledged);
    }

    // The old leader restarts from its data dir and catches up.
    const restarted = await cluster.start(oldLeaderId);
    await cluster.converged(30);
    expect(cluster.machines.get(oldLeaderId)!.items).toEqual(acknowledged);
    expect(restarted.status().role).toBe(Role.Follower);
  });

  it('under concurrent load, stopping the leader loses no acknowledged proposal, and every node applies the same sequence', async () => {
    cluster = await Cluster.create();
    const acknowledged = new Set<string>();
    let running = true;
    const proposer = async (worker: number): Promise<void> => {
      for (let k = 0; running; k++) {
        const leader = [...cluster.hosts.values()].find((h) => h.status().role === Role.Leader);
        if (!leader) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          continue;
        }
        const value = `w${worker}-${k}`;
        try {
          await leader.propose(text(value), { timeoutMs: 2_000 });
          acknowledged.add(value);
        } catch {
          // Not leader any more, stopped, or timed out: the outcome is unknown, so the value is not counted.
          // Back off through the timer queue: an immediate rejection retried in a loop would starve the event loop.
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    };
    const workers = Array.from({ length: 16 }, (_, w) => proposer(w));
    await waitUntil('some load committed', () => acknowledged.size >= 100);
    const first = await cluster.leader();
    await cluster.stop(first.status().id);
    const before = acknowledged.size;
    await waitUntil('load committed under the new leader', () => acknowledged.size >= before + 100);
    running = false;
    await Promise.all(workers);

    const survivors = [...cluster.hosts.keys()];
    const maxApplied = Math.max(...survivors.map((id) => cluster.hosts.get(id)!.status().commitIndex));
    await waitUntil('survivors applied everything committed', () => survivors.every((id) => cluster.hosts.get(id)!.status().appliedIndex >= maxApplied));
    const [a, b] = survivors.map((id) => cluster.machines.get(id)!.items);
    expect(a).toEqual(b);
    const applied = new Set(a);
    expect(applied.size).toBe(a!.length);
    const lost = [...acknowledged].filter((value) => !applied.has(value));
    expect(lost).toEqual([]);
  });

  it('a restarted host recovers its log and state from its data dir', async () => {
    cluster = await Cluster.create();
    const leader = await cluster.leader();
    for (let k = 0; k < 15; k++) await leader.propose(text(`c${k}`));
    await cluster.converged(15);
    // Stop everything: what survives is only on disk.
    for (const id of Object.keys(cluster.peers)) await cluster.stop(id);
    for (const id of Object.keys(cluster.peers)) await cluster.start(id);
    await cluster.leader();
    await cluster.converged(15);
    for (const machine of cluster.machines.values()) expect(machine.items.slice(0, 15)).toEqual(Array.from({ length: 15 }, (_, k) => `c${k}`));
  });

  it('Raft §7: a follower behind the compacted log catches up with a snapshot', async () => {
    cluster = await Cluster.create(10);
    const leader = await cluster.leader();
    const leaderId = leader.status().id;
    const laggard = Object.keys(cluster.peers).find((id) => id !== leaderId)!;
    await cluster.stop(laggard);
    for (let k = 0; k < 60; k++) await leader.propose(text(`d${k}`));
    await waitUntil('the leader compacted its log twice', () => leader.stats.snapshotsTaken >= 2);

    const restarted = await cluster.start(laggard);
    await cluster.converged(60);
    expect(restarted.stats.snapshotsInstalled).toBeGreaterThanOrEqual(1);
    expect(cluster.machines.get(laggard)!.items).toEqual(Array.from({ length: 60 }, (_, k) => `d${k}`));

    // And it keeps following the log after the snapshot, also across its own restart.
    await leader.propose(text('after'));
    await cluster.converged(61);
    await cluster.stop(laggard);
    await cluster.start(laggard);
    await cluster.converged(61);
    expect(cluster.machines.get(laggard)!.items[60]).toBe('after');
  });

  it('Raft §7: a few large entries are compacted by their bytes, long before the entry count is reached (memory bound)', async () => {
    cluster = await Cluster.create(10_000, 1024 * 1024);
    const leader = await cluster.leader();
    const large = 'v'.repeat(256 * 1024);
    for (let k = 0; k < 12; k++) await leader.propose(text(`${k}:${large}`));
    await waitUntil('the leader compacted by bytes', () => leader.stats.snapshotsTaken >= 2);
    await cluster.converged(12);
  });

  it('ReadIndex: a read barrier on a follower sees a write just acknowledged by the leader', async () => {
    cluster = await Cluster.create();
    const leader = await cluster.leader();
    const followerId = Object.keys(cluster.peers).find((id) => id !== leader.status().id)!;
    const follower = cluster.hosts.get(followerId)!;
    for (let k = 0; k < 5; k++) {
      const { index } = await leader.propose(text(`r${k}`));
      const barrier = await follower.readBarrier();
      expect(barrier).toBeGreaterThanOrEqual(index);
      expect(cluster.machines.get(followerId)!.items).toContain(`r${k}`);
    }
  });

  it('transfers leadership to a chosen member', async () => {
    cluster = await Cluster.create();
    const leader = await cluster.leader();
    const target = Object.keys(cluster.peers).find((id) => id !== leader.status().id)!;
    await leader.transferLeadership(target);
    expect((await cluster.leader()).status().id).toBe(target);
    await cluster.hosts.get(target)!.propose(text('after-transfer'));
    await cluster.converged(1);
  });
});
