import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small in-process stand-in for the gateway, for the load tool's own tests: the shop's paths with a known
 * delay, optional 429s and 503s, a breaker that opens for a while, orders that end CONFIRMED or CANCELLED.
 * It records when each request arrived, so a test can check the rate the tool promised against what came.
 */
export interface FakeShopOptions {
  delayMs?: number;
  /** Every n-th product read is answered 429 (0: never). */
  rateLimitEvery?: number;
  /** Order attempts [from, to) (counted from 1) answered 503 while the payment breaker reports open. */
  breakerOpenForOrders?: [number, number];
  /** Every n-th order ends CANCELLED (0: never). */
  cancelEvery?: number;
  /** Sign-in: 'on' issues tokens, 'absent' answers 404 like a gateway without identity. */
  identity?: 'on' | 'absent';
}

export interface FakeShop {
  url: string;
  arrivals: number[];
  signIns: number;
  unauthorized: number;
  close(): Promise<void>;
}

export async function startFakeShop(options: FakeShopOptions = {}): Promise<FakeShop> {
  const arrivals: number[] = [];
  const orders = new Map<string, { status: string; reason: string | null; pollsLeft: number }>();
  let reads = 0;
  let placed = 0;
  const shop = { signIns: 0, unauthorized: 0 };
  let attempts = 0;
  // By count, not by time: what the run sees does not depend on how fast a busy machine gets there.
  const breakerOpen = () => options.breakerOpenForOrders !== undefined && attempts >= options.breakerOpenForOrders[0] && attempts < options.breakerOpenForOrders[1];
  const send = (res: ServerResponse, status: number, body: unknown) => {
    const answer = () => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (options.delayMs) setTimeout(answer, options.delayMs);
    else answer();
  };
  const authorized = (req: IncomingMessage) => options.identity !== 'on' || req.headers.authorization === 'Bearer token-of-the-test';

  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url !== '/gateway/status') arrivals.push(performance.now());
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      if (url === '/gateway/status') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ breakers: [{ upstream: 'payment', state: breakerOpen() ? 'open' : 'closed' }, { upstream: 'order', state: 'closed' }] }));
      }
      if (url === '/api/auth/sign-in') {
        if (options.identity !== 'on') return send(res, 404, { error: { code: 'not_found', message: 'no route' } });
        shop.signIns++;
        return send(res, 200, { accessToken: 'token-of-the-test' });
      }
      if (url.startsWith('/api/products')) {
        reads++;
        if (options.rateLimitEvery && reads % options.rateLimitEvery === 0) return send(res, 429, { error: { code: 'rate_limited', message: 'slow down' } });
        return send(res, 200, url === '/api/products' ? [{ sku: 'SKU-0011' }] : { sku: 'SKU-0011' });
      }
      if (!authorized(req)) {
        shop.unauthorized++;
        return send(res, 401, { error: { code: 'unauthorized', message: 'token needed' } });
      }
      if (url === '/api/orders/tokens' && req.method === 'POST') return send(res, 201, { token: `k-${Math.random()}` });
      if (url === '/api/orders' && req.method === 'POST') {
        attempts++;
        if (breakerOpen()) return send(res, 503, { error: { code: 'circuit_open', message: 'order breaker open' } });
        const id = `00000000-0000-4000-8000-${String(++placed).padStart(12, '0')}`;
        const cancelled = options.cancelEvery ? placed % options.cancelEvery === 0 : false;
        orders.set(id, { status: cancelled ? 'CANCELLED' : 'CONFIRMED', reason: cancelled ? 'payment_declined' : null, pollsLeft: 1 });
        return send(res, 201, { id, status: 'PENDING' });
      }
      const order = /^\/api\/orders\/([0-9a-f-]{36})$/.exec(url);
      if (order && orders.has(order[1]!)) {
        const o = orders.get(order[1]!)!;
        if (o.pollsLeft-- > 0) return send(res, 200, { id: order[1], status: 'PENDING', reason: null });
        return send(res, 200, { id: order[1], status: o.status, reason: o.reason });
      }
      return send(res, 404, { error: { code: 'not_found', message: 'no route' } });
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    get signIns() {
      return shop.signIns;
    },
    get unauthorized() {
      return shop.unauthorized;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
