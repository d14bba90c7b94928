// The registry knows who is asking (docs/security.md, "Registry and Kafka trust"): a service's own credential
// registers and renews only instances of its own name and writes only config/<itself>/, whether the write is
// sent to the leader or to a follower that forwards it; the operator's REGISTRY_TOKEN still does anything.
import { serviceRegistryToken } from '../../deploy/secrets';
import { call, RegistryCluster, SERVICE_KEY, TOKEN } from './registry-cluster';

jest.setTimeout(120_000);

describe('registry access: one credential per service, judged in the state machine path', () => {
  let cluster: RegistryCluster;
  let leader: string;
  let follower: string;
  const run = `${process.pid}-${Date.now()}`;
  const orderToken = serviceRegistryToken(SERVICE_KEY, 'order');
  const instance = { address: '10.0.0.7', port: 3001, ttlMs: 60_000 };

  beforeAll(async () => {
    cluster = await RegistryCluster.start();
    const leaderId = await cluster.waitForLeader();
    const urlOf = (id: string) => cluster.urls[cluster.nodes.findIndex((n) => n.id === id)]!;
    leader = urlOf(leaderId);
    follower = cluster.urls.find((url) => url !== leader)!;
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("lets order's credential register, renew and read order, on the leader and through a follower", async () => {
    for (const [url, id] of [[leader, `order-l-${run}`], [follower, `order-f-${run}`]] as const) {
      expect((await call(url, 'PUT', `/v1/services/order/${id}`, { token: orderToken, body: instance })).status).toBe(200);
      expect((await call(url, 'PUT', `/v1/services/order/${id}/heartbeat`, { token: orderToken })).status).toBe(200);
    }
    const listed = await call(follower, 'GET', '/v1/services/order', { token: orderToken });
    expect(listed.body.map((i: { id: string }) => i.id)).toEqual(expect.arrayContaining([`order-l-${run}`, `order-f-${run}`]));
    expect((await call(leader, 'PUT', `/v1/kv/config/order/access-${run}`, { token: orderToken, body: { value: 1 } })).status).toBe(200);
    expect((await call(follower, 'GET', '/v1/kv/config/gateway/routes', { token: orderToken })).status).toBe(404);
  });

  it("refuses order's credential registering payment, directly and through a follower, and nothing is registered", async () => {
    for (const url of [leader, follower]) {
      const answer = await call(url, 'PUT', `/v1/services/payment/evil-${run}`, { token: orderToken, body: instance });
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({ error: { code: 'forbidden', message: expect.stringContaining('only instances of order') } });
    }
    // The operator registers a real payment instance: order may neither renew nor remove it.
    expect((await call(leader, 'PUT', `/v1/services/payment/pay-${run}`, { body: instance })).status).toBe(200);
    for (const url of [leader, follower]) {
      expect((await call(url, 'PUT', `/v1/services/payment/pay-${run}/heartbeat`, { token: orderToken })).status).toBe(403);
      expect((await call(url, 'DELETE', `/v1/services/payment/pay-${run}`, { token: orderToken })).status).toBe(403);
    }
    for (const url of cluster.urls) {
      expect((await call(url, 'GET', '/v1/services/payment')).body.map((i: { id: string }) => i.id)).toEqual([`pay-${run}`]);
    }
  });

  it("refuses order's credential writing another's config, directly and through a follower, and the value stays", async () => {
    expect((await call(leader, 'PUT', '/v1/kv/config/payment/failure-rate', { body: { value: 0 } })).status).toBe(200);
    for (const url of [leader, follower]) {
      for (const key of ['config/gateway/routes', 'config/payment/failure-rate', `audit/${run}`]) {
        expect((await call(url, 'PUT', `/v1/kv/${key}`, { token: orderToken, body: { value: 1 } })).status).toBe(403);
      }
      expect((await call(url, 'DELETE', '/v1/kv/config/payment/failure-rate', { token: orderToken })).status).toBe(403);
      expect((await call(url, 'GET', `/v1/kv/?recurse`, { token: orderToken })).status).toBe(403);
    }
    expect((await call(follower, 'GET', '/v1/kv/config/payment/failure-rate')).body.value).toBe(0);
    expect((await call(leader, 'GET', '/v1/kv/config/gateway/routes')).status).toBe(404);
  });

  it('keeps the operator token all-powerful, and refuses a credential derived from another key', async () => {
    expect((await call(follower, 'PUT', `/v1/services/anything-${run}/x`, { token: TOKEN, body: instance })).status).toBe(200);
    expect((await call(follower, 'PUT', `/v1/kv/config/gateway/op-${run}`, { token: TOKEN, body: { value: 1 } })).status).toBe(200);
    const forged = serviceRegistryToken('another-key-of-an-attacker', 'order');
    expect((await call(leader, 'PUT', `/v1/services/order/forged-${run}`, { token: forged, body: instance })).status).toBe(401);
  });
});
