import { connect } from 'node:net';
import { accessToken, runId, TestGateway, TestUpstream } from './gateway-harness';

jest.setTimeout(120_000);

/** Raw bytes on a fresh connection; resolves with everything the gateway sent before closing (or after 5 s). */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(out);
    };
    const timer = setTimeout(done, 5000);
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
    socket.on('close', done);
    socket.on('error', done);
    socket.write(bytes);
  });
}

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
const errorOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error: { code: string; message: string } };

/**
 * Issue 15: every answer of the public port in the contract's shape, from the parser up; the admin API and the
 * console's costly reads rate limited; one client's requests in flight bounded.
 */
describe('gateway: the edge answers everything in the contract shape, and bounds one client', () => {
  const upstream = new TestUpstream('order');
  const service = `order-${runId}`;
  let gateway: TestGateway;
  let port: number;

  beforeAll(async () => {
    await upstream.start();
    gateway = await TestGateway.start({
      env: { GATEWAY_MAX_REQUESTS_PER_CLIENT: '3' },
      // No rate-limits key: the built-in policies apply, the console's and the admin API's included.
      discovery: { services: { [service]: [upstream.instance()] }, config: { 'config/gateway/routes': { orders: { service }, console: { service: 'console' } } } },
    });
    port = Number(new URL(gateway.url).port);
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream.kill();
  });

  it.each([
    ['oversized headers', `GET /api/orders/1 HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large'],
    ['a long URL', `GET /gateway/sagas/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, 'headers_too_large'],
    ['bad chunking', 'POST /api/orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400, 'bad_request'],
    ['an unknown method', 'FOO /api/orders HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'bad_request'],
    ['CONNECT', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 405, 'method_not_allowed'],
    ['TRACE', 'TRACE /api/orders/1 HTTP/1.1\r\nHost: x\r\n\r\n', 405, 'method_not_allowed'],
    ['HTTP/1.1 without Host (proxy)', 'GET /api/orders/1 HTTP/1.1\r\n\r\n', 400, 'bad_request'],
    ['HTTP/1.1 without Host (gateway API)', 'GET /gateway/status HTTP/1.1\r\n\r\n', 400, 'bad_request'],
    ['an undecodable URL', 'GET /gateway/sagas/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 400, 'bad_request'],
  ])('%s: answered in the contract shape, never a reset or Fastify\'s shape', async (_name, request, status, code) => {
    const answer = await raw(port, request);
    expect(statusOf(answer)).toBe(status);
    expect(errorOf(answer)).toEqual({ error: { code, message: expect.any(String) } });
  });

  it('HTTP/1.0 without Host is served', async () => {
    expect(statusOf(await raw(port, `GET /api/orders/1 HTTP/1.0\r\nAuthorization: Bearer ${await accessToken()}\r\n\r\n`))).toBe(200);
  });

  it('the admin API is rate limited per client (a token cannot be guessed at speed)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await gateway.get('/gateway/admin/config/config/gateway/routes', { authorization: `Bearer guess-${i}` })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(-3)).toEqual([429, 429, 429]);
  });

  it("the console's costly reads are rate limited per client, in the contract shape", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await gateway.get('/api/console/cluster')).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    const limited = await gateway.get('/api/console/outbox');
    expect(limited.status).toBe(429);
    expect(limited.json).toMatchObject({ error: { code: 'rate_limited' } });
    expect(limited.headers['retry-after']).toBeDefined();
    expect((await gateway.get('/gateway/status')).status).toBe(200);
  });

  it('one client gets 429 beyond its requests in flight; the upstream never sees the excess', async () => {
    const held: (() => void)[] = [];
    upstream.behaviour = (_req, res) => held.push(() => res.end('{}'));
    const slow = Array.from({ length: 3 }, () => gateway.get('/api/orders/1'));
    await new Promise((r) => setTimeout(r, 500));
    const excess = await gateway.get('/api/orders/2');
    expect(excess.status).toBe(429);
    expect(excess.json).toMatchObject({ error: { code: 'too_many_concurrent_requests' } });
    expect(upstream.seen.filter((s) => s.url === '/orders/2')).toHaveLength(0);
    held.forEach((release) => release());
    expect((await Promise.all(slow)).map((a) => a.status)).toEqual([200, 200, 200]);
    upstream.behaviour = new TestUpstream('order').behaviour;
    expect((await gateway.get('/api/orders/3')).status).toBe(200);
  });
});
