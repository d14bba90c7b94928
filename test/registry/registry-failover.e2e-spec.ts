import { eventually } from '@shop/testing';
import { call, RegistryCluster } from './registry-cluster';

jest.setTimeout(180_000);

/**
 * Writers put numbered keys through every node, retrying a write that failed until it is acknowledged. Every
 * acknowledged write must be readable afterwards, whatever happened to the leader in between.
 */
class WriteLoad {
  readonly acknowledged = new Map<string, number>();
  failures = 0;
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(
    private readonly urls: () => string[],
    private readonly prefix: string,
    writers: number,
  ) {
    this.loops = Array.from({ length: writers }, (_, w) => this.loop(w));
  }

  private async loop(writer: number): Promise<void> {
    for (let n = 0; this.running; n++) {
      const urls = this.urls();
      const url = urls[n % urls.length]!;
      const key = `${this.prefix}/w${writer}-${n}`;
      try {
        const res = await call(url, 'PUT', `/v1/kv/${key}`, { body: { value: n }, timeoutMs: 8000 });
        if (res.status === 200) this.acknowledged.set(key, n);
        else this.failures++;
      } catch {
        this.failures++;
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

describe('registry cluster: kill -9 the leader under a steady write load', () => {
  let cluster: RegistryCluster;
  const prefix = `failover-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    cluster = await RegistryCluster.start();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('elects a new leader, loses no acknowledged write, resumes writing, and the killed node rejoins with its state', async () => {
    const live = new Set(cluster.nodes.map((n) => n.id));
    const load = new WriteLoad(() => cluster.nodes.filter((n) => live.has(n.id)).map((n) => n.url), prefix, 4);
    await eventually('writes flow', async () => (load.acknowledged.size >= 50 ? true : undefined));

    const oldLeader = await cluster.waitForLeader();
    live.delete(oldLeader);
    await cluster.kill(oldLeader);
    const ackedBeforeKill = load.acknowledged.size;

    const newLeader = await cluster.waitForLeader();
    expect(newLeader).not.toBe(oldLeader);
    await eventually('writes resume after the failover', async () => (load.acknowledged.size >= ackedBeforeKill + 50 ? true : undefined));
    await load.stop();

    const survivors = cluster.nodes.filter((n) => live.has(n.id));
    const listed = await call(survivors[0]!.url, 'GET', `/v1/kv/${prefix}/?recurse`);
    const stored = new Map<string, unknown>(listed.body.map((e: { key: string; value: unknown }) => [e.key, e.value]));
    const lost = [...load.acknowledged].filter(([key, value]) => stored.get(key) !== value);
    expect(lost).toEqual([]);

    // The killed node restarts from its data directory (WAL + snapshots) and catches up with the rest.
    await cluster.restart(oldLeader);
    const lastIndex = Number(listed.headers.get('x-raft-index'));
    const rejoined = await eventually(`${oldLeader} caught up`, async () => {
      const res = await call(cluster.node(oldLeader).url, 'GET', `/v1/kv/${prefix}/?recurse&stale`);
      return Number(res.headers.get('x-raft-index')) >= lastIndex ? res.body : undefined;
    });
    const rejoinedState = new Map<string, unknown>(rejoined.map((e: { key: string; value: unknown }) => [e.key, e.value]));
    expect([...load.acknowledged].filter(([key, value]) => rejoinedState.get(key) !== value)).toEqual([]);
  });
});

describe('registry cluster: a follower that missed compacted entries', () => {
  let cluster: RegistryCluster;
  const prefix = `snapshot-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    cluster = await RegistryCluster.start({ snapshotEvery: 50 });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('catches up by snapshot after a restart from its data directory', async () => {
    const leader = await cluster.waitForLeader();
    const follower = cluster.nodes.find((n) => n.id !== leader)!;
    const other = cluster.nodes.find((n) => n.id !== leader && n.id !== follower.id)!;
    await call(other.url, 'PUT', `/v1/kv/${prefix}/before`, { body: { value: 'seen by everyone' } });
    await cluster.kill(follower.id);

    // Enough writes for several snapshots: the log is compacted up to the older kept snapshot, past what the
    // stopped follower has.
    for (let n = 0; n < 300; n++) {
      const res = await call(cluster.node(leader).url, 'PUT', `/v1/kv/${prefix}/k${n}`, { body: { value: n } });
      expect(res.status).toBe(200);
    }
    expect(await cluster.metric(leader, 'registry_raft_snapshots_taken')).toBeGreaterThanOrEqual(2);
    const last = await call(cluster.node(leader).url, 'GET', `/v1/kv/${prefix}/k299`);

    await cluster.restart(follower.id);
    const caughtUp = await eventually(`${follower.id} caught up`, async () => {
      const res = await call(follower.url, 'GET', `/v1/kv/${prefix}/?recurse&stale`);
      return Number(res.headers.get('x-raft-index')) >= last.body.modIndex ? res.body : undefined;
    });
    expect(await cluster.metric(follower.id, 'registry_raft_snapshots_installed')).toBeGreaterThanOrEqual(1);
    expect(caughtUp).toHaveLength(301);
    expect(caughtUp.find((e: { key: string }) => e.key === `${prefix}/k299`)).toMatchObject({ value: 299, modIndex: last.body.modIndex });
  });
});
