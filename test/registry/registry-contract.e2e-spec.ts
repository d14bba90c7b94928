import { encodeBatch, encodeFrame, Message, MessageType, RAFT_PEER_PATH } from '@shop/raft';
import { describeRegistryContract } from '../contract/registry-contract';
import { eventually } from '@shop/testing';
import { call, RegistryCluster, TOKEN } from './registry-cluster';

jest.setTimeout(120_000);

describe('registry cluster: the contract, tokens and leases (three real nodes)', () => {
  let cluster: RegistryCluster;
  const run = `${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    cluster = await RegistryCluster.start();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  describeRegistryContract(() => ({ urls: cluster.urls, token: TOKEN }));

  it('answers 401 to a missing or wrong token, and writes nothing', async () => {
    const [a, b] = cluster.urls as [string, string];
    const key = `auth-test/${run}`;
    for (const token of [null, 'wrong-token', `${TOKEN}x`, '']) {
      expect((await call(a, 'PUT', `/v1/kv/${key}`, { token, body: { value: 'forged' } })).status).toBe(401);
      expect((await call(b, 'PUT', `/v1/services/forged-${run}/i1`, { token, body: { address: '10.0.0.9', port: 1, ttlMs: 60_000 } })).status).toBe(401);
      expect((await call(a, 'DELETE', `/v1/kv/${key}`, { token })).status).toBe(401);
      // The router decodes the path: a percent-encoded /v1 must not slip past the token check.
      expect((await call(a, 'PUT', `/%761/kv/${key}`, { token, body: { value: 'forged' } })).status).toBe(401);
      expect((await call(b, 'PUT', `/%76%31/services/forged-${run}/i1`, { token, body: { address: '10.0.0.9', port: 1, ttlMs: 60_000 } })).status).toBe(401);
      expect((await call(a, 'GET', `/v1/kv/${key}`, { token })).body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    }
    expect((await call(a, 'GET', `/v1/kv/${key}`)).status).toBe(404);
    expect((await call(b, 'GET', `/v1/services/forged-${run}`)).body).toEqual([]);
  });

  it('refuses peer messages not signed with RAFT_SECRET, and nothing changes', async () => {
    const [a, b] = cluster.nodes;
    const before = (await call(a!.url, 'GET', '/v1/cluster')).body;
    // A heartbeat from a leader of a far higher term: accepted, it would move the node to that term.
    const heartbeat: Message = {
      type: MessageType.Heartbeat, from: b!.id, to: a!.id, term: before.term + 100, index: 0, logTerm: 0,
      entries: [], commit: 0, reject: false, rejectHint: 0,
    };
    const fields = { epoch: 'forged', seq: 1, timestamp: Date.now() };
    const forged = await fetch(`${a!.url}${RAFT_PEER_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-raft-frames', 'x-raft-from': b!.id, 'x-raft-to': a!.id, 'x-raft-lane': 'messages' },
      body: new Uint8Array(encodeFrame(fields, '00'.repeat(32), encodeBatch([heartbeat]))),
      signal: AbortSignal.timeout(5000),
    });
    expect(forged.status).toBe(401);
    const after = (await call(a!.url, 'GET', '/v1/cluster')).body;
    expect({ term: after.term, leader: after.leader }).toEqual({ term: before.term, leader: before.leader });
    // The operator sees it, beside the genuine traffic on the peer streams.
    const metrics = await (await fetch(`${a!.url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const gauge = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)$`, 'm').exec(metrics)?.[1]);
    expect(gauge('registry_raft_peer_refused')).toBeGreaterThanOrEqual(1);
    expect(gauge('registry_raft_peer_messages_received')).toBeGreaterThan(0);
    expect(gauge('registry_raft_peer_frames_sent')).toBeGreaterThan(0);
    // Peer streams last as long as their sender: kept out of the request latencies users read.
    expect(metrics).not.toMatch(/http_server_request_duration_seconds_count\{[^}]*method="POST",route="unmatched"/);
  });

  it('lets a blocking query wait longer than the server idle-socket timeout (30 s), then answer', async () => {
    const service = `quiet-${run}`;
    const first = await call(cluster.urls[0]!, 'GET', `/v1/services/${service}`);
    const index = Number(first.headers.get('x-raft-index'));
    const res = await call(cluster.urls[0]!, 'GET', `/v1/services/${service}?index=${index}&wait=32s`, { timeoutMs: 60_000 });
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: [] });
  });

  it('keeps the recent versions of a config key, and rolls back as an ordinary write', async () => {
    const [a, b] = cluster.urls as [string, string];
    const key = `config/e2e-${run}/limits`;
    const first = (await call(a, 'PUT', `/v1/kv/${key}`, { body: { value: { max: 1 } } })).body.modIndex;
    await call(b, 'PUT', `/v1/kv/${key}`, { body: { value: { max: 2 } } });
    const history = (await call(a, 'GET', `/v1/kv/${key}?history`)).body;
    expect(history.map((v: { value: unknown }) => v.value)).toEqual([{ max: 2 }, { max: 1 }]);
    const rolledBack = await call(b, 'PUT', `/v1/kv/${key}?rollback=${first}`);
    expect(rolledBack.status).toBe(200);
    expect((await call(a, 'GET', `/v1/kv/${key}`)).body).toMatchObject({ value: { max: 1 }, modIndex: rolledBack.body.modIndex });
    expect(rolledBack.body.modIndex).toBeGreaterThan(first);
  });

  it('removes an instance whose heartbeats stopped from every node alike, and keeps one that beats', async () => {
    const service = `lease-test-${run}`;
    const [a, b] = cluster.urls as [string, string];
    expect((await call(a, 'PUT', `/v1/services/${service}/silent`, { body: { address: '127.0.0.1', port: 1, ttlMs: 1500 } })).status).toBe(200);
    // A long TTL for the beating one: a slow heartbeat on a loaded machine must not make it expire.
    expect((await call(b, 'PUT', `/v1/services/${service}/beating`, { body: { address: '127.0.0.1', port: 2, ttlMs: 8000 } })).status).toBe(200);
    for (const url of cluster.urls) {
      expect((await call(url, 'GET', `/v1/services/${service}`)).body.map((i: { id: string }) => i.id)).toEqual(['beating', 'silent']);
    }
    const beat = setInterval(() => void call(b, 'PUT', `/v1/services/${service}/beating/heartbeat`).catch(() => undefined), 300);
    try {
      await eventually('the silent instance expires', async () =>
        (await call(a, 'GET', `/v1/services/${service}`)).body.length === 1 ? true : undefined,
      );
      // The expiry is a log entry: once each node has applied up to the expiry, it answers the same, even from
      // its own local state (?stale).
      const expiredAt = Number((await call(a, 'GET', `/v1/services/${service}`)).headers.get('x-raft-index'));
      for (const url of cluster.urls) {
        const view = await eventually(`${url} applied the expiry`, async () => {
          const res = await call(url, 'GET', `/v1/services/${service}?stale`);
          return Number(res.headers.get('x-raft-index')) >= expiredAt ? res.body : undefined;
        });
        expect(view.map((i: { id: string }) => i.id)).toEqual(['beating']);
      }
      expect((await call(a, 'PUT', `/v1/services/${service}/silent/heartbeat`)).status).toBe(404);
    } finally {
      clearInterval(beat);
    }
  });
});
