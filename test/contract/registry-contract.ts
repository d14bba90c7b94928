/**
 * The registry's client API as the contract states it (docs/registry.md), asked of a running cluster of at least
 * two nodes: tokens, the KV store with compare-and-set, linearizable reads through any node, blocking queries,
 * bounds, and service instances with heartbeats and TTLs. Each question is one test. Used by
 * test/registry/registry-contract.e2e-spec.ts (three registry processes) and test/system/whole-system.e2e-spec.ts
 * (the whole topology).
 */
import { eventually } from '@shop/testing';
import { ask, errorShape } from './contract-http';

export interface RegistryTarget {
  /** At least two nodes of one cluster. */
  urls: readonly string[];
  token: string;
}

export function describeRegistryContract(target: () => RegistryTarget): void {
  describe('the registry contract', () => {
    // Polls (the saga's end, a lease's expiry) and blocking queries take longer than jest's 5 s default.
    jest.setTimeout(60_000);
    const run = `${process.pid}-${Date.now()}`;
    const key = `contract/${run}/key`;
    let a: string;
    let b: string;
    let auth: Record<string, string>;

    beforeAll(() => {
      const { urls, token } = target();
      if (urls.length < 2) throw new Error('the registry contract needs two nodes of the cluster');
      [a, b] = urls as [string, string];
      auth = { authorization: `Bearer ${token}` };
    });

    it('answers 401 in the error shape without a token or with a wrong one, and writes nothing', async () => {
      const refused: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong' }];
      for (const headers of refused) {
        const cluster = await ask('GET', `${a}/v1/cluster`, { headers });
        expect({ status: cluster.status, body: cluster.json }).toEqual({ status: 401, body: errorShape });
        expect((await ask('PUT', `${a}/v1/kv/${key}`, { headers, body: { value: 'forged' } })).status).toBe(401);
      }
      const absent = await ask('GET', `${a}/v1/kv/${key}`, { headers: auth });
      expect({ status: absent.status, body: absent.json }).toEqual({ status: 404, body: errorShape });
    });

    it('describes the cluster: id, role, term, leader, commit and applied index, members', async () => {
      const res = await ask('GET', `${a}/v1/cluster`, { headers: auth });
      expect(res.status).toBe(200);
      expect(res.json).toEqual(
        expect.objectContaining({
          id: expect.any(String),
          role: expect.any(String),
          term: expect.any(Number),
          leader: expect.anything(),
          commitIndex: expect.any(Number),
          appliedIndex: expect.any(Number),
          members: expect.any(Array),
        }),
      );
    });

    it('writes through any node and reads the write at once on another (linearizable), with X-Raft-Index', async () => {
      const put = await ask('PUT', `${b}/v1/kv/${key}`, { headers: auth, body: { value: { n: 1 } } });
      expect({ status: put.status, ok: put.json?.ok, modIndex: Number.isInteger(put.json?.modIndex) }).toEqual({ status: 200, ok: true, modIndex: true });
      expect(put.headers.get('x-raft-index')).toMatch(/^\d+$/);
      const read = await ask('GET', `${a}/v1/kv/${key}`, { headers: auth });
      expect(read.status).toBe(200);
      expect(read.json).toEqual(expect.objectContaining({ key, value: { n: 1 }, modIndex: put.json.modIndex, createIndex: expect.any(Number) }));
      expect(read.headers.get('x-raft-index')).toMatch(/^\d+$/);
    });

    it('compare-and-set: a stale or zero index is 409 with the current index, the current one is 200 with a larger one', async () => {
      const current = (await ask('GET', `${a}/v1/kv/${key}`, { headers: auth })).json.modIndex as number;
      const stale = await ask('PUT', `${a}/v1/kv/${key}?cas=${current + 1000}`, { headers: auth, body: { value: 2 } });
      expect({ status: stale.status, body: stale.json }).toEqual({ status: 409, body: expect.objectContaining({ ok: false, modIndex: current }) });
      expect((await ask('PUT', `${a}/v1/kv/${key}?cas=0`, { headers: auth, body: { value: 2 } })).status).toBe(409);
      const swapped = await ask('PUT', `${a}/v1/kv/${key}?cas=${current}`, { headers: auth, body: { value: 2 } });
      expect(swapped.status).toBe(200);
      expect(swapped.json.modIndex).toBeGreaterThan(current);
    });

    it('wakes a blocking query on one node with a write made through another, before its wait elapses', async () => {
      const index = (await ask('GET', `${a}/v1/kv/${key}`, { headers: auth })).json.modIndex as number;
      // A 20 s wait: answered with the new value, it was the write that woke it (a timeout answers the old one).
      const waiting = ask('GET', `${a}/v1/kv/${key}?index=${index}&wait=20s`, { headers: auth, timeoutMs: 30_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await ask('PUT', `${b}/v1/kv/${key}`, { headers: auth, body: { value: 3 } })).status).toBe(200);
      const woken = await waiting;
      expect({ status: woken.status, value: woken.json?.value }).toEqual({ status: 200, value: 3 });
      expect(woken.json.modIndex).toBeGreaterThan(index);
    });

    it('lists a prefix with ?recurse and answers a local read with ?stale', async () => {
      const listed = await ask('GET', `${a}/v1/kv/contract/${run}?recurse`, { headers: auth });
      expect(listed.status).toBe(200);
      expect(listed.json).toEqual(expect.arrayContaining([expect.objectContaining({ key })]));
      expect((await ask('GET', `${b}/v1/kv/${key}?stale`, { headers: auth })).status).toBe(200);
    });

    it('refuses a malformed body (400, error shape), a value over 512 KiB (413) and a key over 512 bytes (400)', async () => {
      const malformed = await ask('PUT', `${a}/v1/kv/${key}`, { headers: auth, raw: '{"value": ' });
      expect({ status: malformed.status, body: malformed.json }).toEqual({ status: 400, body: errorShape });
      expect((await ask('PUT', `${a}/v1/kv/${key}`, { headers: auth, body: { value: 'x'.repeat(600 * 1024) } })).status).toBe(413);
      expect((await ask('PUT', `${a}/v1/kv/${'k'.repeat(600)}`, { headers: auth, body: { value: 1 } })).status).toBe(400);
    });

    it('deletes a key on every node', async () => {
      expect((await ask('DELETE', `${a}/v1/kv/${key}`, { headers: auth })).status).toBe(200);
      expect((await ask('GET', `${b}/v1/kv/${key}`, { headers: auth })).status).toBe(404);
    });

    it('registers an instance, lists and counts it on every node, takes heartbeats, and drops it after its TTL', async () => {
      const service = `contract-svc-${run}`;
      const registered = await ask('PUT', `${a}/v1/services/${service}/i1`, {
        headers: auth,
        body: { address: '127.0.0.1', port: 9, meta: { zone: 'a' }, ttlMs: 2000 },
      });
      expect(registered.status).toBe(200);
      const listed = await ask('GET', `${b}/v1/services/${service}`, { headers: auth });
      expect({ status: listed.status, body: listed.json }).toEqual({ status: 200, body: [expect.objectContaining({ id: 'i1', port: 9 })] });
      const counts = await ask('GET', `${a}/v1/services`, { headers: auth });
      expect(counts.json?.[service]).toBe(1);
      expect((await ask('PUT', `${a}/v1/services/${service}/i1/heartbeat`, { headers: auth })).status).toBe(200);
      await eventually('the instance without heartbeats expires', async () => {
        const res = await ask('GET', `${b}/v1/services/${service}`, { headers: auth });
        return res.status === 200 && Array.isArray(res.json) && res.json.length === 0 ? true : undefined;
      }, 30_000, 200);
      expect((await ask('PUT', `${a}/v1/services/${service}/i1/heartbeat`, { headers: auth })).status).toBe(404);
    });
  });
}
