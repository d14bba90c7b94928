import { ChildProcess, spawn } from 'node:child_process';
import Redis from 'ioredis';
import { eventually, freePort, rawExchange } from '@shop/testing';
import { errorShape } from '../contract/contract-http';
import { ProcessName, SagaSystem } from '../saga/support/saga-system';

jest.setTimeout(300_000);


const nested = (depth: number) => `{"customerId":"c-1","x":${'['.repeat(depth)}${']'.repeat(depth)}}`;

/**
 * Hostile bodies against the real services (order x2, inventory, payment from source, private Kafka, registry and
 * databases): bounds before work, parser errors in the contract's shape, and a full Redis answered 503.
 * order-2 keeps its idempotency tokens in a private Redis with a tiny `maxmemory` and `noeviction`, the policy
 * deploy/infra.sh sets on the shared one.
 */
describe('service bounds: no single request takes a service down', () => {
  let system: SagaSystem;
  let redisServer: ChildProcess;
  let fullRedis: Redis;
  let redisPort: number;

  const send = (name: ProcessName, path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${system.url(name)}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(15_000),
    });

  beforeAll(async () => {
    redisPort = await freePort();
    redisServer = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory', '4mb', '--maxmemory-policy', 'noeviction'], {
      stdio: 'ignore',
    });
    fullRedis = new Redis({ port: redisPort, host: '127.0.0.1', maxRetriesPerRequest: 1, lazyConnect: true });
    await eventually('the private Redis answers', async () => {
      await fullRedis.connect().catch(() => undefined);
      return (await fullRedis.ping()) === 'PONG';
    }, 60_000, 200);
    system = await SagaSystem.start({ env: { 'order-2': { REDIS_URL: `redis://127.0.0.1:${redisPort}` } } });
  });
  afterAll(async () => {
    fullRedis?.disconnect();
    redisServer?.kill();
    await system?.stop();
  });

  it.each([
    ['order-1', '/orders/tokens'],
    ['order-1', '/orders'],
  ] as const)('%s %s: a body nested thousands of levels is a 400 or 413 in the contract shape, never a 500', async (name, path) => {
    // The body (40 KB, 20 000 levels) and one deep body small enough for every route's byte limit.
    for (const body of [nested(20_000), nested(400)]) {
      const res = await send(name, path, body, { 'idempotency-key': 'x'.repeat(24) });
      expect([400, 413]).toContain(res.status);
      expect(await res.json()).toEqual(errorShape);
    }
    const small = await send(name, path, nested(400));
    expect(small.status).toBe(400);
    expect(((await small.json()) as { error: { code: string } }).error.code).toBe('body_too_complex');
  });

  it('POST /orders with 100 000 empty lines is refused from its size (413), unread and unvalidated, and the instance keeps serving', async () => {
    const wide = `{"customerId":"c-1","items":[${Array.from({ length: 100_000 }, () => '{}').join(',')}]}`;
    const res = await send('order-1', '/orders', wide, { 'idempotency-key': 'x'.repeat(24) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
    // Under the byte limit, a wide array is refused by count before any element is validated.
    const fits = await send('order-1', '/orders', `{"customerId":"c-1","items":[${Array.from({ length: 2000 }, () => '{}').join(',')}]}`, {
      'idempotency-key': 'x'.repeat(24),
    });
    expect(fits.status).toBe(400);
    expect(((await fits.json()) as { error: { code: string } }).error.code).toBe('body_too_complex');
    const token = await system.call('order-1', 'POST', '/orders/tokens', { body: { customerId: 'c-1' } });
    expect(token.status).toBe(201);
  });

  it('a token request is sized to a token request: 2 KiB is refused 413', async () => {
    const res = await send('order-1', '/orders/tokens', JSON.stringify({ customerId: 'c-1', pad: 'x'.repeat(2048) }));
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual(errorShape);
  });

  it.each([
    ['order-1', '/orders/tokens', '/orders/'],
    ['inventory', null, '/products/'],
    ['payment', null, '/payments/accounts/'],
  ] as const)('%s answers parser-level errors in the contract shape', async (name, postPath, paramPath) => {
    if (postPath !== null) {
      const badJson = await send(name, postPath, '{"customerId":');
      expect([badJson.status, await badJson.json()]).toEqual([400, errorShape]);
    }
    const longSegment = await fetch(`${system.url(name)}${paramPath}${'a'.repeat(500)}`);
    expect([longSegment.status, await longSegment.json()]).toEqual([414, errorShape]);
    const hugeHeaders = await rawExchange(Number(new URL(system.url(name)).port), `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(hugeHeaders.slice(0, 12)).toBe('HTTP/1.1 431');
    expect(JSON.parse(hugeHeaders.slice(hugeHeaders.indexOf('\r\n\r\n') + 4))).toEqual(errorShape);
  });

  it('a full Redis (noeviction) makes POST /orders/tokens answer 503 with Retry-After, not 500', async () => {
    // A full Redis, deterministically: 2 MiB of data, then a maxmemory below what it holds. Filling up to the limit
    // is not enough: Redis's own buffers come and go, so a small write can fit again right after a refusal.
    for (let i = 0; i < 32; i++) await fullRedis.set(`filler:${i}`, 'x'.repeat(64 * 1024));
    await fullRedis.config('SET', 'maxmemory', '1mb');
    await expect(fullRedis.set('filler:probe', 'x')).rejects.toThrow(/OOM/);
    const res = await system.call('order-2', 'POST', '/orders/tokens', { body: { customerId: 'c-2' } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.body).toEqual({ error: { code: 'idempotency_store_unavailable', message: expect.any(String) } });
  });
});
