import { eventually } from '@shop/testing';
import { DiscoveryContent, runId, send, signedInAs, TestGateway, TestUpstream } from './gateway-harness';

jest.setTimeout(120_000);

/**
 * 限流 through the gateway: two gateways share one Redis and so one budget; the headers of the IETF draft;
 * the leaky bucket's queue, and a fast one's outflow share; and each policy's own behaviour when Redis cannot
 * be reached.
 */
describe('gateway: rate limits shared by two gateways through Redis', () => {
  const upstream = new TestUpstream('inventory');
  const service = `inventory-${runId}`;
  let gateways: TestGateway[] = [];
  const name = (n: string) => `${n}-${runId}`;

  beforeAll(async () => {
    await upstream.start();
    const content: DiscoveryContent = {
      services: { [service]: [upstream.instance()] },
      config: {
        'config/gateway/routes': { products: { service }, orders: { service }, payments: { service } },
        'config/gateway/rate-limits': [
          { name: name('products-fixed'), algorithm: 'fixed-window', match: { pathPrefix: '/api/products' }, key: 'global', limit: 10, windowMs: 60_000 },
          {
            name: name('orders-per-customer'),
            algorithm: 'sliding-window',
            match: { methods: ['POST'], pathPrefix: '/api/orders' },
            key: 'customer',
            limit: 2,
            windowMs: 60_000,
          },
          { name: name('payments-leaky'), algorithm: 'leaky-bucket', match: { pathPrefix: '/api/payments' }, key: 'global', ratePerSec: 5, queue: 2 },
          {
            name: name('orders-fast-leaky'),
            algorithm: 'leaky-bucket',
            match: { methods: ['GET'], pathPrefix: '/api/orders' },
            key: 'global',
            ratePerSec: 1_000_000,
            queue: 1000,
            leaseSize: 256,
          },
        ],
      },
    };
    gateways = await Promise.all([TestGateway.start({ discovery: content }), TestGateway.start({ discovery: content })]);
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await upstream.kill();
  });

  it('two gateways together admit exactly the limit; 429s carry Retry-After and RateLimit-* and the JSON error', async () => {
    const answers = [];
    for (let i = 0; i < 30; i++) answers.push(await gateways[i % 2]!.get('/api/products'));
    const ok = answers.filter((a) => a.status === 200);
    const limited = answers.filter((a) => a.status === 429);
    expect(ok).toHaveLength(10);
    expect(limited).toHaveLength(20);
    expect(ok.map((a) => a.headers['ratelimit-remaining'])).toEqual(['9', '8', '7', '6', '5', '4', '3', '2', '1', '0']);
    expect(ok[0]!.headers['ratelimit-limit']).toBe('10');
    for (const a of limited) {
      expect(a.json).toEqual({ error: { code: 'rate_limited', message: expect.any(String) } });
      expect(Number(a.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(a.headers['ratelimit-limit']).toBe('10');
      expect(a.headers['ratelimit-remaining']).toBe('0');
      expect(Number(a.headers['ratelimit-reset'])).toBeGreaterThanOrEqual(1);
    }
    const counts = await Promise.all(gateways.map(async (g) => (await g.status()).rateLimits.policies.find((p) => p.name === name('products-fixed'))!.stats));
    expect(counts.reduce((n, s) => n + s.admitted!, 0)).toBe(10);
    expect(counts.reduce((n, s) => n + s.rejected!, 0)).toBe(20);
  });

  it('keyed by customer (the signed-in one): one customer is limited, another is not', async () => {
    const post = async (customer: string) =>
      send(gateways[0]!.url, 'POST', '/api/orders', { body: '{}', headers: { 'content-type': 'application/json', ...(await signedInAs(customer)) } });
    const a = `c-a-${runId}`;
    const b = `c-b-${runId}`;
    expect([(await post(a)).status, (await post(a)).status, (await post(a)).status]).toEqual([200, 200, 429]);
    expect((await post(b)).status).toBe(200);
    // GETs are not matched by the POST-only policy.
    expect((await gateways[0]!.get('/api/orders/1', await signedInAs(a))).status).toBe(200);
  });

  it('leaky bucket with a queue: a burst is held and let out at the constant rate; beyond the queue it is refused', async () => {
    const answers = await Promise.all(Array.from({ length: 4 }, () => gateways[0]!.get('/api/payments/accounts/c-1')));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 429]);
    const stats = (await gateways[0]!.status()).rateLimits.policies.find((p) => p.name === name('payments-leaky'))!.stats;
    expect(stats).toMatchObject({ admitted: 3, rejected: 1, delayed: 2 });
  });

  it('a fast leaky bucket lends each gateway a share of its outflow: bursts pass at once, decided without Redis', async () => {
    const policyStats = async () => (await gateways[0]!.status()).rateLimits.policies.find((p) => p.name === name('orders-fast-leaky'))!.stats;
    const before = await policyStats();
    const answers: { status: number; headers: Record<string, string | string[] | undefined> }[] = [];
    // The first requests ask Redis and bring the share; later bursts spend it (only this policy can be leased here).
    await eventually('requests decided from the outflow share', async () => {
      answers.push(...(await Promise.all(Array.from({ length: 20 }, () => gateways[0]!.get('/api/orders/2')))));
      return (await gateways[0]!.status()).rateLimits.redis.decidedFromLeases > 0 ? true : undefined;
    });
    expect(answers.every((a) => a.status === 200 && a.headers['ratelimit-limit'] === '1001')).toBe(true);
    const after = await policyStats();
    expect(after.admitted! - before.admitted!).toBe(answers.length);
    expect([after.rejected, after.delayed]).toEqual([0, 0]);
  });
});

describe('gateway: rate limits when Redis is unreachable (a closed port)', () => {
  const upstream = new TestUpstream('inventory');
  const service = `inventory-${runId}`;
  let gateway: TestGateway;

  beforeAll(async () => {
    await upstream.start();
    gateway = await TestGateway.start({
      env: { REDIS_URL: 'redis://127.0.0.1:1' },
      discovery: {
        services: { [service]: [upstream.instance()] },
        config: {
          'config/gateway/routes': { products: { service }, orders: { service }, payments: { service } },
          'config/gateway/rate-limits': [
            { name: 'fails-open', algorithm: 'token-bucket', match: { pathPrefix: '/api/products' }, capacity: 1, refillPerSec: 0.001, onRedisError: 'open' },
            { name: 'fails-closed', algorithm: 'token-bucket', match: { pathPrefix: '/api/orders' }, capacity: 1, refillPerSec: 0.001, onRedisError: 'closed' },
            { name: 'falls-back', algorithm: 'fixed-window', match: { pathPrefix: '/api/payments' }, limit: 3, windowMs: 60_000, onRedisError: 'local' },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream.kill();
  });

  it('open: everything is admitted, never a 429', async () => {
    for (let i = 0; i < 5; i++) expect((await gateway.get('/api/products')).status).toBe(200);
  });

  it('closed: 503 with Retry-After, never a 429, and nothing reaches the upstream', async () => {
    const before = upstream.started;
    const answer = await gateway.get('/api/orders');
    expect(answer.status).toBe(503);
    expect(answer.json).toMatchObject({ error: { code: 'rate_limiter_unavailable' } });
    expect(answer.headers['retry-after']).toBe('1');
    expect(upstream.started).toBe(before);
  });

  it('local: the in-memory limiter enforces the limit in this gateway', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await gateway.get('/api/payments')).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  it('the Redis state shows in /gateway/status and /metrics, with the fallback counts per policy', async () => {
    const status = await gateway.status();
    expect(status.rateLimits.redis.state).not.toBe('ready');
    const stats = Object.fromEntries(status.rateLimits.policies.map((p) => [p.name, p.stats]));
    expect(stats['fails-open']).toMatchObject({ failedOpen: 5, rejected: 0 });
    expect(stats['fails-closed']).toMatchObject({ failedClosed: 1, rejected: 0 });
    expect(stats['falls-back']).toMatchObject({ decidedLocally: 5, admitted: 3, rejected: 2 });
    expect((await gateway.get('/metrics')).text).toMatch(/gateway_redis_up\{[^}]*\} 0/);
  });
});
