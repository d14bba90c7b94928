import { Readable } from 'node:stream';
import { eventually } from '@shop/testing';
import { DiscoveryContent, ProcessUpstream, runId, send, TestGateway, TestUpstream } from './gateway-harness';

jest.setTimeout(120_000);

interface InstanceStatus {
  id: string;
  failures: number;
  ejected: boolean;
  ejections: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Basically available (issue 13): the gateway holds a service responsible only for its own failures, and a
 * dead instance only for its own. A dependency's outage, a dead replica or a slow client must not take the
 * routes that do not need them away from everyone.
 */
describe('gateway: a failure is attributed to the part that failed', () => {
  const breakers = { default: { volumeThreshold: 5, errorThresholdPercentage: 50, rollingCountTimeout: 10_000, resetTimeout: 10_000, timeout: 1000 } };
  /** A gateway's discovery: `routes` to `service` on these instances, the breakers above, no rate limits. */
  const discovery = (service: string, instances: ReturnType<TestUpstream['instance']>[], routes: Record<string, object>): DiscoveryContent => ({
    services: { [service]: instances },
    config: { 'config/gateway/routes': routes, 'config/gateway/rate-limits': [], 'config/gateway/breakers': breakers },
  });

  describe('a service answering 503 + Retry-After for one route (its own dependency is down)', () => {
    const order = new TestUpstream('order');
    const service = `order-${runId}`;
    let gateway: TestGateway;

    beforeAll(async () => {
      await order.start();
      // Placing an order needs "inventory", which is down: 503 + Retry-After, as the order service answers.
      order.behaviour = (req, res) => {
        res.setHeader('content-type', 'application/json');
        if (req.method === 'POST' && req.url === '/orders') {
          res.writeHead(503, { 'retry-after': '2' });
          return res.end('{"error":{"code":"inventory_unavailable","message":"inventory is down"}}');
        }
        res.end('{"id":"o-1","status":"CONFIRMED"}');
      };
      gateway = await TestGateway.start({ discovery: discovery(service, [order.instance()], { orders: { service } }) });
    });
    afterAll(async () => {
      await gateway?.stop();
      await order.kill();
    });

    it('passes the 503 through and keeps the breaker closed: the routes that need no inventory keep working', async () => {
      for (let i = 0; i < 15; i++) {
        const placed = await send(gateway.url, 'POST', '/api/orders', { headers: { 'content-type': 'application/json' }, body: '{"customerId":"c-1"}' });
        expect(placed.status).toBe(503);
        expect(placed.headers['retry-after']).toBe('2');
        expect(placed.json).toEqual({ error: { code: 'inventory_unavailable', message: 'inventory is down' } });
      }
      const read = await gateway.get('/api/orders/o-1');
      expect(read.status).toBe(200);
      expect((await gateway.status()).breakers.find((b) => b.upstream === service)?.state).toBe('closed');
    });
  });

  describe('two instances of a service, one killed with SIGKILL', () => {
    const service = `inventory-${runId}`;
    let a: ProcessUpstream;
    let b: ProcessUpstream;
    let gateway: TestGateway;

    beforeAll(async () => {
      [a, b] = await Promise.all([ProcessUpstream.start('a'), ProcessUpstream.start('b')]);
      // The discovery file keeps listing the dead instance, as the registry does until its lease expires.
      gateway = await TestGateway.start({ discovery: discovery(service, [a.instance(), b.instance()], { products: { service, balancer: 'round-robin' } }) });
    });
    afterAll(async () => {
      await gateway?.stop();
      await Promise.all([a?.kill(), b?.kill()]);
    });

    const instances = async () => (await gateway.status()).services[service] as unknown as InstanceStatus[];

    it('steady requests see no error; the dead instance is ejected and no longer tried, long before its lease would expire', async () => {
      const statuses = new Map<number, number>();
      let sent = 0;
      let sentAfterKill = 0;
      let killed = false;
      const client = async (n: number) => {
        for (let i = 0; i < 150; i++) {
          const post = i % 2 === 1;
          const answer = post
            ? await send(gateway.url, 'POST', '/api/products/prices', {
                headers: { 'content-type': 'application/json', 'idempotency-key': `k-${n}-${i}` },
                body: '{"skus":["sku-1"]}',
              })
            : await gateway.get(`/api/products/sku-${i}`);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          sent++;
          if (killed) sentAfterKill++;
          await sleep(5);
        }
      };
      const clients = [0, 1, 2, 3].map(client);
      await eventually('traffic to flow', async () => (sent >= 100 ? true : undefined));
      await a.kill('SIGKILL');
      killed = true;
      await Promise.all(clients);

      expect(sentAfterKill).toBeGreaterThan(200);
      expect(Object.fromEntries(statuses)).toEqual({ 200: sent });
      const dead = (await instances()).find((i) => i.id === 'a')!;
      expect(dead).toMatchObject({ ejected: true, ejections: 1 });
      // Three failures in a row eject it (plus those in flight when it died); without ejection every other
      // request would try it first.
      expect(dead.failures).toBeLessThan(10);
      const metrics = (await gateway.get('/metrics')).text;
      expect(metrics).toMatch(new RegExp(`gateway_upstream_ejected\\{service="${service}"[^}]*\\} 1`));
    });
  });

  describe('slow uploads from one client', () => {
    const order = new TestUpstream('order');
    const service = `order-${runId}`;
    let gateway: TestGateway;

    beforeAll(async () => {
      await order.start();
      gateway = await TestGateway.start({ env: { GATEWAY_BODY_TIMEOUT_MS: '4000' }, discovery: discovery(service, [order.instance()], { orders: { service } }) });
    });
    afterAll(async () => {
      await gateway?.stop();
      await order.kill();
    });

    /** 200 kB declared, sent in 10 pieces over about 2 s (twice the breaker's timeout); `stallAfter` pieces, then nothing. */
    const trickle = (stallAfter = 10) =>
      Readable.from(
        (async function* () {
          for (let i = 0; i < 10; i++) {
            if (i === stallAfter) await new Promise((r) => setTimeout(r, 60_000).unref());
            await sleep(200);
            yield Buffer.alloc(20_000, 0x20);
          }
        })(),
      );

    it('twelve slow uploads do not open the breaker: the upstream is timed from when it has the whole request', async () => {
      const answers = await Promise.all(
        Array.from({ length: 12 }, () =>
          send(gateway.url, 'POST', '/api/orders', { headers: { 'content-type': 'application/json', 'content-length': '200000' }, body: trickle() }),
        ),
      );
      expect(answers.map((x) => x.status)).toEqual(Array(12).fill(200));
      expect((await gateway.status()).breakers.find((b) => b.upstream === service)?.state).toBe('closed');
      expect((await gateway.get('/api/orders/o-1')).status).toBe(200);
    });

    it('an upload that stalls is answered 408 in the contract shape, and is not the upstream failing', async () => {
      const reached = order.started;
      const stalled = await send(gateway.url, 'POST', '/api/orders', {
        headers: { 'content-type': 'application/json', 'content-length': '200000' },
        body: trickle(3),
      }).catch((error: unknown) => ({ status: -1, json: String(error), headers: {}, text: '' }));
      expect(stalled.status).toBe(408);
      expect(stalled.json).toMatchObject({ error: { code: 'request_timeout' } });
      expect(order.started).toBe(reached);
      const status = await gateway.status();
      expect(status.breakers.find((b) => b.upstream === service)?.state).toBe('closed');
    });
  });
});
