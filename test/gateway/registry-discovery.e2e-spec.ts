import { call, RegistryCluster, TOKEN } from '../registry/registry-cluster';
import { IDENTITY_JWKS_KEY } from '@shop/auth';
import { eventually } from '@shop/testing';
import { HARNESS_JWKS, runId, TestGateway, TestUpstream } from './gateway-harness';

jest.setTimeout(180_000);

const TTL_MS = 2000;

/**
 * The gateway on the real registry (注册中心 + 配置中心): instances come from leases, config from the KV
 * store with push. A killed instance stops heartbeating; until its lease expires, the gateway still picks
 * it and each such request is retried once on another instance, so clients see no error; once the leader
 * expires the lease, the instance leaves the rotation.
 */
describe('gateway on the real registry', () => {
  const service = `inventory-${runId}`;
  const upstreams = [new TestUpstream('r1'), new TestUpstream('r2'), new TestUpstream('r3')];
  const heartbeats = new Map<string, NodeJS.Timeout>();
  let cluster: RegistryCluster;
  let gateway: TestGateway;

  const register = async (u: TestUpstream) => {
    const res = await call(cluster.urls[0]!, 'PUT', `/v1/services/${service}/${u.id}`, { body: { address: '127.0.0.1', port: u.port, meta: {}, ttlMs: TTL_MS } });
    expect(res.status).toBe(200);
    heartbeats.set(
      u.id,
      setInterval(() => void call(cluster.urls[0]!, 'PUT', `/v1/services/${service}/${u.id}/heartbeat`).catch(() => undefined), TTL_MS / 4),
    );
  };

  beforeAll(async () => {
    cluster = await RegistryCluster.start({ size: 1 });
    await Promise.all(upstreams.map((u) => u.start()));
    for (const u of upstreams) await register(u);
    const routes = await call(cluster.urls[0]!, 'PUT', '/v1/kv/config/gateway/routes', { body: { value: { products: { service } } } });
    expect(routes.status).toBe(200);
    await call(cluster.urls[0]!, 'PUT', '/v1/kv/config/gateway/rate-limits', { body: { value: [] } });
    // The harness plays identity: its public key in the config center, where the gateway looks for identity's.
    await call(cluster.urls[0]!, 'PUT', `/v1/kv/${IDENTITY_JWKS_KEY}`, { body: { value: HARNESS_JWKS } });
    gateway = await TestGateway.start({ env: { REGISTRY_URLS: cluster.urls.join(','), REGISTRY_TOKEN: TOKEN } });
    await eventually('three instances in the gateway', async () => ((await gateway.status()).services[service]?.length === 3 ? true : undefined));
  });
  afterAll(async () => {
    for (const timer of heartbeats.values()) clearInterval(timer);
    await gateway?.stop();
    await Promise.all(upstreams.map((u) => u.kill()));
    await cluster?.stop();
  });

  it('a killed instance: no client error while its lease runs out (retry), then it leaves the rotation', async () => {
    clearInterval(heartbeats.get('r2'));
    await upstreams[1]!.kill();
    const statuses: number[] = [];
    let sent = 0;
    await eventually(
      'the lease to expire',
      async () => {
        const batch = await Promise.all(Array.from({ length: 6 }, () => gateway.get('/api/products')));
        statuses.push(...batch.map((a) => a.status));
        sent += batch.length;
        return (await gateway.status()).services[service]?.length === 2 ? true : undefined;
      },
      30_000,
    );
    expect(statuses).toEqual(Array(sent).fill(200));
    expect((await gateway.status()).services[service]!.map((i) => i.id).sort()).toEqual(['r1', 'r3']);
  });
});
