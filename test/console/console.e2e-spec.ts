import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { IDENTITY_JWKS_KEY } from '@shop/auth';
import { call, RegistryCluster, TOKEN } from '../registry/registry-cluster';
import { eventually, freePort } from '@shop/testing';
import { ADMIN_TOKEN, HARNESS_JWKS, runId, send, signedInAs, TestGateway, TestUpstream } from '../gateway/gateway-harness';

jest.setTimeout(180_000);

const root = join(__dirname, '..', '..');

/**
 * The console's backend (apps/console) as a service behind the gateway, on a real registry: the shop does not
 * need it (the gateway proxies without it); once it runs, the gateway routes `/api/console/*` to it and forwards
 * the contract's admin API `/gateway/admin/*`; it answers only what carries the gateway's proof, and its admin
 * actions want an operator (or a machine's ADMIN_TOKEN, which the gateway vouches for) and are logged.
 */
describe('the console service', () => {
  const shopService = `inventory-${runId}`;
  const upstream = new TestUpstream('p1');
  let cluster: RegistryCluster;
  let gateway: TestGateway;
  let consolePort: number;
  let consoleProc: ChildProcess | undefined;
  let consoleLog = '';
  const noToken = { authorization: '' };

  beforeAll(async () => {
    cluster = await RegistryCluster.start({ size: 1 });
    await upstream.start();
    const put = (key: string, value: unknown) => call(cluster.urls[0]!, 'PUT', `/v1/kv/${key}`, { body: { value } });
    expect((await call(cluster.urls[0]!, 'PUT', `/v1/services/${shopService}/p1`, { body: { address: '127.0.0.1', port: upstream.port, meta: {}, ttlMs: 60_000 } })).status).toBe(200);
    expect((await put('config/gateway/routes', { products: { service: shopService }, console: { service: 'console' } })).status).toBe(200);
    await put('config/gateway/rate-limits', []);
    await put(IDENTITY_JWKS_KEY, HARNESS_JWKS);
    gateway = await TestGateway.start({ env: { REGISTRY_URLS: cluster.urls.join(','), REGISTRY_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    if (consoleProc && consoleProc.exitCode === null) {
      const exited = new Promise((resolve) => consoleProc!.once('exit', resolve));
      consoleProc.kill('SIGTERM');
      await exited;
    }
    await gateway?.stop();
    await upstream.kill();
    await cluster?.stop();
  });

  it('is optional: without it the gateway still proxies the shop, and answers its routes 503', async () => {
    await eventually('the shop through the gateway', async () => ((await gateway.get('/api/products')).status === 200 ? true : undefined));
    expect((await gateway.get('/api/console/outbox')).status).toBe(503);
  });

  it('once started, is reached through the gateway: the registry cluster, every node', async () => {
    consolePort = await freePort();
    consoleProc = spawn(process.execPath, ['-r', './scripts/ts-register.js', 'apps/console/src/main.ts'], {
      cwd: root,
      env: { ...process.env, PORT: String(consolePort), INSTANCE_ID: `console-${runId}`, REGISTRY_URLS: cluster.urls.join(','), REGISTRY_TOKEN: TOKEN, REGISTRY_OPERATOR_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    consoleProc.stdout!.on('data', (d: Buffer) => (consoleLog += d.toString()));
    consoleProc.stderr!.on('data', (d: Buffer) => (consoleLog += d.toString()));
    const answer = await eventually('the console through the gateway', async () => {
      const a = await gateway.get('/api/console/cluster', noToken);
      return a.status === 200 ? a : undefined;
    }, 60_000);
    const nodes = (answer.json as { nodes: { url: string; ok: boolean; body: { role: string } }[] }).nodes;
    expect(nodes).toEqual([expect.objectContaining({ url: cluster.urls[0], ok: true, body: expect.objectContaining({ role: 'leader' }) })]);
  });

  it("refuses a request on its own port without the gateway's proof (401), but answers /health", async () => {
    const direct = `http://127.0.0.1:${consolePort}`;
    const ops = await signedInAs('ops', 'operator');
    expect((await send(direct, 'GET', '/console/cluster')).status).toBe(401);
    expect((await send(direct, 'PUT', '/console/admin/config/config/payment/x', { headers: { ...ops, 'content-type': 'application/json' }, body: '{"value":1}' })).status).toBe(401);
    expect((await send(direct, 'GET', '/health')).status).toBe(200);
  });

  it('the admin API wants an operator or ADMIN_TOKEN (401 without, 403 for a customer) and logs who acted', async () => {
    const path = '/gateway/admin/config/config/payment/latency-ms';
    const write = (headers: Record<string, string>, body = '{"value":0}') => send(gateway.url, 'PUT', path, { headers: { ...headers, 'content-type': 'application/json' }, body });
    expect((await write(noToken)).status).toBe(401);
    expect((await write(await signedInAs('c-1'))).status).toBe(403);
    expect((await write({ authorization: 'Bearer not-the-admin-token' })).status).toBe(401);
    expect((await write(await signedInAs('ops', 'operator'))).status).toBe(200);
    expect((await write({ authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(200);
    expect((await write({ authorization: `Bearer ${ADMIN_TOKEN}` }, '{"value":0,"extra":1}')).status).toBe(400);
    const read = await send(gateway.url, 'GET', path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(read.json).toEqual({ key: 'config/payment/latency-ms', value: 0 });
    await eventually('the audit lines', async () =>
      /admin action: config written[^\n]*"actor":"ops","via":"operator-token"/.test(consoleLog) && /admin action: config written[^\n]*"actor":"admin-token","via":"admin-token"/.test(consoleLog) ? true : undefined,
    );
  });

  it('has one address for the admin API: /api/console/admin/* asked directly is 404, even with ADMIN_TOKEN', async () => {
    const direct = await gateway.get('/api/console/admin/config/config/payment/latency-ms', { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(direct.status).toBe(404);
  });

  it("checks the gateway's own keys with the gateway's parsers, and a written route comes back to the gateway by push", async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const invalid = await send(gateway.url, 'PUT', '/gateway/admin/config/config/gateway/routes', { headers: admin, body: JSON.stringify({ value: { goods: { service: 'X!' } } }) });
    expect(invalid.status).toBe(400);
    expect(invalid.json).toMatchObject({ error: { code: 'invalid_config' } });
    const value = { products: { service: shopService }, goods: { service: shopService }, console: { service: 'console' } };
    const written = await send(gateway.url, 'PUT', '/gateway/admin/config/config/gateway/routes', { headers: admin, body: JSON.stringify({ value }) });
    expect(written.status).toBe(200);
    expect(((await call(cluster.urls[0]!, 'GET', '/v1/kv/config/gateway/routes')).body as { value: unknown }).value).toEqual(value);
    await eventually('the pushed route', async () => ((await gateway.get('/api/goods/1')).status === 200 ? true : undefined));
  });

  it("shows a saga to a signed-in caller only: 401 without sign-in, 400 for a malformed id", async () => {
    const ops = await signedInAs('ops', 'operator');
    expect((await gateway.get('/api/console/sagas/o-1', noToken)).status).toBe(401);
    expect((await gateway.get('/api/console/sagas/bad%20id', ops)).status).toBe(400);
    const saga = await gateway.get('/api/console/sagas/o-1', ops);
    expect(saga.status).toBe(200);
    expect(saga.json).toMatchObject({ orderId: 'o-1', events: [] });
  });

  it('gathers each saga service\'s outbox stats, and merges one order\'s events into a timeline', async () => {
    const events: Record<string, unknown[]> = {
      order: [{ id: 'e1', type: 'OrderCreated', aggregateId: 'o-2', occurredAt: '2026-11-26T08:00:00.000Z' }],
      inventory: [{ id: 'e2', type: 'StockReserved', aggregateId: 'o-2', occurredAt: '2026-11-26T08:00:01.000Z' }],
      payment: [{ id: 'e3', type: 'PaymentSucceeded', aggregateId: 'o-2', occurredAt: '2026-11-26T08:00:00.500Z' }],
    };
    const sagaServices = Object.keys(events);
    const fakes = sagaServices.map((name, i) => {
      const fake = new TestUpstream(name);
      fake.behaviour = (req, res) => {
        res.setHeader('content-type', 'application/json');
        if (req.url === '/outbox/stats') res.end(JSON.stringify({ unpublished: i + 1 }));
        else if (req.url === '/events?aggregateId=o-2') res.end(JSON.stringify(events[name]));
        else res.end('[]');
      };
      return fake;
    });
    try {
      for (const [i, fake] of fakes.entries()) {
        await fake.start();
        const at = `/v1/services/${sagaServices[i]}/${fake.id}-${runId}`;
        expect((await call(cluster.urls[0]!, 'PUT', at, { body: { address: '127.0.0.1', port: fake.port, meta: {}, ttlMs: 60_000 } })).status).toBe(200);
      }
      const outbox = await eventually('the saga services', async () => {
        const answer = (await gateway.get('/api/console/outbox', noToken)).json as { services: { service: string; ok: boolean; body: unknown }[] };
        return answer.services.every((s) => s.ok) ? answer : undefined;
      });
      expect(outbox.services.map((s) => [s.service, s.body])).toEqual([
        ['order', { unpublished: 1 }],
        ['inventory', { unpublished: 2 }],
        ['payment', { unpublished: 3 }],
      ]);
      const saga = (await gateway.get('/api/console/sagas/o-2', await signedInAs('ops', 'operator'))).json as { events: { type: string; service: string }[] };
      expect(saga.events.map((e) => `${e.service}:${e.type}`)).toEqual(['order:OrderCreated', 'payment:PaymentSucceeded', 'inventory:StockReserved']);
    } finally {
      await Promise.all(fakes.map((f) => f.kill()));
    }
  });
});
