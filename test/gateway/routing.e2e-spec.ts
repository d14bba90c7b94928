import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { eventually } from '@shop/testing';
import { DiscoveryContent, runId, send, TestGateway, TestUpstream } from './gateway-harness';

jest.setTimeout(120_000);

/**
 * Routing and load balancing (网关, 负载均衡) over three instances of a tiny upstream, bad input refused at the
 * edge, live config, and the admin API. One gateway; its discovery file is rewritten between tests.
 */
describe('gateway: routing, load balancing, bad input, live config', () => {
  const service = `inventory-${runId}`;
  const upstreams = [new TestUpstream('a'), new TestUpstream('b'), new TestUpstream('c')];
  let gateway: TestGateway;
  let content: DiscoveryContent;

  const setRoutes = async (balancer: string, weights?: number[]) => {
    content = {
      services: { [service]: upstreams.map((u, i) => u.instance(weights ? { weight: String(weights[i]) } : {})) },
      config: { ...content.config, 'config/gateway/routes': { products: { service, balancer }, orders: { service } }, 'config/gateway/rate-limits': [] },
    };
    gateway.writeDiscovery(content);
    await eventually(`balancer ${balancer}`, async () => {
      const s = await gateway.status();
      const route = s.routes.find((r) => r.prefix === 'products');
      const applied = route?.balancer === balancer && s.rateLimits.policies.length === 0;
      return applied && s.services[service]?.length === upstreams.length ? true : undefined;
    });
  };

  const hits = () => upstreams.map((u) => u.completed);
  const resetHits = () => upstreams.forEach((u) => ((u.started = 0), (u.completed = 0), (u.seen.length = 0)));

  const publicDir = mkdtempSync(join(tmpdir(), 'gateway-public-'));

  beforeAll(async () => {
    await Promise.all(upstreams.map((u) => u.start()));
    mkdirSync(join(publicDir, 'assets'));
    writeFileSync(join(publicDir, 'index.html'), '<!doctype html><title>shop</title>');
    writeFileSync(join(publicDir, 'assets', 'app.3f9a1c2e.js'), 'console.log("shop")');
    content = { services: {}, config: {} };
    gateway = await TestGateway.start({ discovery: content, env: { GATEWAY_PUBLIC_DIR: publicDir } });
  });
  afterAll(async () => {
    await gateway?.stop();
    await Promise.all(upstreams.map((u) => u.kill()));
    rmSync(publicDir, { recursive: true, force: true });
  });
  beforeEach(resetHits);

  it('round robin: 30 requests, 10 to each instance; /api is stripped and the query kept', async () => {
    await setRoutes('round-robin');
    resetHits();
    for (let i = 0; i < 30; i++) expect((await gateway.get(`/api/products/sku-${i}?q=1`)).status).toBe(200);
    expect(hits()).toEqual([10, 10, 10]);
    expect(upstreams[0]!.seen[0]!.url).toMatch(/^\/products\/sku-\d+\?q=1$/);
  });

  it('weighted (meta.weight 3:1:1): exactly 3/5, 1/5, 1/5 over 50 requests', async () => {
    await setRoutes('weighted', [3, 1, 1]);
    resetHits();
    for (let i = 0; i < 50; i++) expect((await gateway.get('/api/products')).status).toBe(200);
    expect(hits()).toEqual([30, 10, 10]);
  });

  it('least outstanding: a slow instance gets fewer requests than the fast ones', async () => {
    await setRoutes('least-outstanding');
    resetHits();
    upstreams[0]!.behaviour = (_req, res) => setTimeout(() => res.end('slow'), 300);
    try {
      // Three clients, each sending its next request when the last one is answered: while one waits on
      // the slow instance, that instance has a request in flight and the fast ones are preferred.
      let budget = 45;
      const statuses: number[] = [];
      const client = async () => {
        while (budget-- > 0) statuses.push((await gateway.get('/api/products')).status);
      };
      await Promise.all([client(), client(), client()]);
      expect(statuses).toEqual(Array(45).fill(200));
    } finally {
      upstreams[0]!.behaviour = new TestUpstream('a').behaviour.bind(upstreams[0]);
    }
    const [slow, fast1, fast2] = hits();
    expect(slow!).toBeLessThan(fast1!);
    expect(slow!).toBeLessThan(fast2!);
  });

  it('sets and forwards X-Request-Id, adds X-Forwarded-For/Proto, drops hop-by-hop headers', async () => {
    await setRoutes('round-robin');
    // Raw bytes: client libraries refuse to send hop-by-hop headers themselves.
    const answer = await rawRequest(
      gateway.port,
      'GET /api/products HTTP/1.1\r\nHost: shop.test\r\nX-Request-Id: e2e-req-1\r\nConnection: close, x-hop\r\nX-Hop: must not pass\r\n' +
        'Keep-Alive: timeout=5\r\nTE: trailers\r\nX-End-To-End: passes\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1.1 200/);
    expect(answer).toMatch(/\r\nx-request-id: e2e-req-1\r\n/i);
    const seen = upstreams.flatMap((u) => u.seen).at(-1)!;
    expect(seen.headers['x-request-id']).toBe('e2e-req-1');
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-end-to-end']).toBe('passes');
    expect(seen.headers['x-hop']).toBeUndefined();
    expect(seen.headers['keep-alive']).toBeUndefined();
    expect(seen.headers.te).toBeUndefined();
    expect(seen.headers['x-forwarded-host']).toBe('shop.test');

    const generated = await gateway.get('/api/products', { 'x-request-id': 'not valid!' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('unknown route: 404 in the contract shape, nothing forwarded', async () => {
    const answer = await gateway.get('/api/nowhere/1');
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    expect(upstreams.reduce((n, u) => n + u.started, 0)).toBe(0);
  });

  it('body over 1 MiB: 413 on Content-Length before anything is forwarded', async () => {
    const answer = await send(gateway.url, 'POST', '/api/orders', { body: Buffer.alloc(1024 * 1024 + 1), headers: { 'content-type': 'application/octet-stream' } });
    expect(answer.status).toBe(413);
    expect(answer.json).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(upstreams.reduce((n, u) => n + u.started, 0)).toBe(0);
  });

  it('body over 1 MiB without Content-Length (chunked): 413, and nothing reaches the upstream', async () => {
    const answer = await send(gateway.url, 'POST', '/api/orders', { body: chunkedBody(20, 1) });
    expect(answer.status).toBe(413);
    expect(answer.json).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(upstreams.reduce((n, u) => n + u.started, 0)).toBe(0);
  });

  it('a chunked body under the limit reaches the upstream whole', async () => {
    const answer = await send(gateway.url, 'POST', '/api/orders', { body: chunkedBody(15, 3) });
    expect(answer.status).toBe(200);
    expect((answer.json as { bytes: number }).bytes).toBe(15 * 64 * 1024);
  });

  it('a body under the limit streams through intact', async () => {
    const answer = await send(gateway.url, 'POST', '/api/orders', { body: Buffer.alloc(512 * 1024, 7), headers: { 'content-type': 'application/octet-stream' } });
    expect(answer.status).toBe(200);
    expect((answer.json as { bytes: number }).bytes).toBe(512 * 1024);
  });

  it.each([
    ['a dot segment', '/api/products/../orders'],
    ['an encoded dot segment', '/api/products/%2e%2e/orders'],
    ['an encoded slash', '/api/products/a%2Fb'],
    ['a malformed percent-encoding', '/api/products/a%zz'],
    ['an empty segment', '/api/products//a'],
  ])('malformed path (%s): 400, nothing forwarded', async (_what, path) => {
    const answer = await rawRequest(gateway.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1.1 400/);
    expect(answer).toContain('"code":"bad_request"');
    expect(upstreams.reduce((n, u) => n + u.started, 0)).toBe(0);
  });

  it.each([
    ['a bad X-Customer-Id', 'X-Customer-Id: bad id!'],
    ['a non-numeric Content-Length', 'Content-Length: 12abc'],
    ['a header with a control character', 'X-Thing: a\u0001b'],
    ['Content-Length and Transfer-Encoding together', 'Content-Length: 3\r\nTransfer-Encoding: chunked'],
  ])('malformed header (%s): 400, nothing forwarded', async (_what, header) => {
    const answer = await rawRequest(gateway.port, `POST /api/orders HTTP/1.1\r\nHost: x\r\n${header}\r\nConnection: close\r\n\r\nabc`);
    expect(answer).toMatch(/^HTTP\/1.1 400/);
    expect(upstreams.reduce((n, u) => n + u.started, 0)).toBe(0);
  });

  it('a route added to config/gateway/routes applies without a restart; an invalid value is logged and ignored', async () => {
    await setRoutes('round-robin');
    gateway.writeDiscovery({ ...content, config: { ...content.config, 'config/gateway/routes': { stock: { service } } } });
    await eventually('the new route', async () => ((await gateway.get('/api/stock/1')).status === 200 ? true : undefined));
    expect((await gateway.get('/api/products')).status).toBe(404);

    gateway.writeDiscovery({ ...content, config: { ...content.config, 'config/gateway/routes': { stock: { service, balancer: 'random' } } } });
    await eventually('the rejection log line', async () => (gateway.log().includes('invalid config value ignored') ? true : undefined));
    expect((await gateway.get('/api/stock/1')).status).toBe(200);
  });

  it('a client that leaves mid-request (held by a leaky bucket, or waiting on the upstream) frees everything it held', async () => {
    await setRoutes('round-robin');
    const held = [{ name: `hold-${runId}`, algorithm: 'leaky-bucket', match: { pathPrefix: '/api/products' }, key: 'global', ratePerSec: 2, queue: 5 }];
    gateway.writeDiscovery({ ...content, config: { ...content.config, 'config/gateway/rate-limits': held } });
    await eventually('the leaky policy', async () => ((await gateway.status()).rateLimits.policies.length === 1 ? true : undefined));
    resetHits();
    for (const u of upstreams) u.behaviour = (_req, res) => setTimeout(() => res.end('late'), 2000);
    try {
      // One leaves at once to the upstream (then waits on it); five are held 0.5 s apart by the bucket.
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => rawRequest(gateway.port, 'GET /api/products HTTP/1.1\r\nHost: x\r\n\r\n', 200).catch(() => 'gone')),
      );
      expect(answers).toEqual(Array(6).fill('gone'));
      await eventually('the held requests to be dropped and the upstream one aborted', async () => {
        const s = await gateway.status();
        const stats = s.rateLimits.policies[0]!.stats;
        return stats.delayed === 5 && s.services[service]!.every((i) => i.outstanding === 0) ? true : undefined;
      });
      // Past the last hold (2.5 s): had the held ones been forwarded, the upstreams would have seen them.
      await new Promise((r) => setTimeout(r, 3000));
      expect(upstreams.reduce((n, u) => n + u.started, 0)).toBe(1);
      expect((await gateway.status()).services[service]!.every((i) => i.outstanding === 0)).toBe(true);
    } finally {
      upstreams.forEach((u, i) => (u.behaviour = new TestUpstream(u.id).behaviour.bind(upstreams[i])));
      await setRoutes('round-robin');
    }
  });

  it('serves the console: index.html revalidated, hashed assets immutable, content types, 304 on ETag, JSON 404 elsewhere', async () => {
    const index = await gateway.get('/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.text).toContain('<title>shop</title>');
    const again = await gateway.get('/', { 'if-none-match': String(index.headers.etag) });
    expect(again.status).toBe(304);
    const asset = await gateway.get('/assets/app.3f9a1c2e.js');
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await gateway.get('/console/orders')).text).toContain('<title>shop</title>');
    expect((await gateway.get('/assets/missing.js')).status).toBe(404);
    expect((await gateway.get('/gateway/nope')).json).toMatchObject({ error: { code: 'not_found' } });
  });

  it('a killed instance: requests keep succeeding by retry, and it leaves the rotation when discovery drops it', async () => {
    await setRoutes('round-robin');
    await upstreams[1]!.kill();
    try {
      const answers = await Promise.all(Array.from({ length: 30 }, () => gateway.get('/api/products')));
      expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200));

      gateway.writeDiscovery({ ...content, services: { [service]: [upstreams[0]!.instance(), upstreams[2]!.instance()] } });
      await eventually('the instance to leave', async () => ((await gateway.status()).services[service]?.length === 2 ? true : undefined));
      resetHits();
      for (let i = 0; i < 10; i++) expect((await gateway.get('/api/products')).status).toBe(200);
      expect(hits()).toEqual([5, 0, 5]);
    } finally {
      await upstreams[1]!.start();
    }
  });
});

/** Sends bytes as they are (what an HTTP client library would refuse to send) and returns the raw answer. */
function rawRequest(port: number, text: string, giveUpMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    // write, not end: Node's server treats a half-closed request as aborted. The request says Connection: close.
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(giveUpMs, () => socket.destroy(new Error('no answer')));
  });
}

/** A body sent chunked (no Content-Length): `chunks` pieces of 64 KiB filled with `fill`. */
function chunkedBody(chunks: number, fill: number): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < chunks; i++) yield Buffer.alloc(64 * 1024, fill);
    })(),
  );
}
