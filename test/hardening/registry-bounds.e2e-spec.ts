import { errorShape } from '../contract/contract-http';
import { call, RegistryCluster, TOKEN } from '../registry/registry-cluster';

jest.setTimeout(120_000);

/** The registry's public port (a real node, from source): hostile requests get the contract's 4xx, never a 5xx. */
describe('registry bounds: bad requests are answered as bad requests', () => {
  let cluster: RegistryCluster;
  let url: string;

  beforeAll(async () => {
    cluster = await RegistryCluster.start({ size: 1 });
    await cluster.waitForLeader();
    url = cluster.urls[0]!;
  });
  afterAll(() => cluster?.stop());

  it('GET /raft/messages is a 405 in the error shape (a bad request), not a 503 (an outage)', async () => {
    const res = await fetch(`${url}/raft/messages`, { signal: AbortSignal.timeout(5000) });
    expect(res.status).toBe(405);
    expect(await res.json()).toEqual({ error: { code: 'method_not_allowed', message: expect.any(String) } });
  });

  it('a KV value nested 20 000 levels is a 400, not a stack overflow 500; a deep but sane value is stored', async () => {
    const deep = `{"value":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    const res = await fetch(`${url}/v1/kv/config/deep`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: deep,
      signal: AbortSignal.timeout(5000),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'body_too_complex', message: expect.any(String) } });
    const sane = await call(url, 'PUT', '/v1/kv/config/deep', { body: { value: { a: { b: [[1, 2], { c: 'x'.repeat(100_000) }] } } } });
    expect(sane.status).toBe(200);
  });

  it('registrations are bounded to what a registration needs (32 KiB)', async () => {
    const res = await call(url, 'PUT', '/v1/services/order/o-1', { body: { address: '127.0.0.1', port: 1, meta: { pad: 'x'.repeat(40 * 1024) } } });
    expect([res.status, res.body]).toEqual([413, errorShape]);
  });

  it('parser-level errors on the registry port are in the error shape', async () => {
    const longSegment = await call(url, 'GET', `/v1/services/${'a'.repeat(500)}`);
    expect([longSegment.status, longSegment.body]).toEqual([414, errorShape]);
    const badJson = await fetch(`${url}/v1/kv/config/x`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{"value":',
      signal: AbortSignal.timeout(5000),
    });
    expect([badJson.status, await badJson.json()]).toEqual([400, errorShape]);
  });
});
