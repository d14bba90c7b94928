/**
 * The gateway's public API as the contract states it (docs/architecture.md, docs/gateway.md), asked of a running
 * system: products, request ids, error shapes, balances, idempotent orders (tokens, replay, a key reused with
 * another body), the saga's end, bounds on input, and the console's status; sign-in, and what a customer may
 * not do with another's things. Each question is one test; they run
 * in order and share the order they place. Used by test/system/whole-system.e2e-spec.ts.
 */
import { signIn } from '../support/sign-in';
import { eventually } from '@shop/testing';
import { ask, ContractAnswer, ContractRequest, errorShape } from './contract-http';

export interface GatewayTarget {
  url: string;
}

interface Product {
  sku: string;
  available: number;
}

export function describeGatewayContract(target: () => GatewayTarget): void {
  describe('the gateway contract', () => {
    // Polls (the saga's end, a lease's expiry) and blocking queries take longer than jest's 5 s default.
    jest.setTimeout(60_000);
    let g: string;
    let product: Product;
    let orderId: string;
    let c1: Record<string, string>;
    let c2: Record<string, string>;
    /** As customer c-1, signed in. */
    const ask1 = (method: string, url: string, request: ContractRequest = {}) => ask(method, url, { ...request, headers: { ...c1, ...request.headers } });
    const order = () => ({ customerId: 'c-1', items: [{ sku: product.sku, quantity: 1 }] });
    const newToken = async (customerId = 'c-1'): Promise<ContractAnswer> => ask1('POST', `${g}/api/orders/tokens`, { body: { customerId } });

    beforeAll(async () => {
      g = target().url;
      c1 = (await signIn(g, 'c-1')).headers;
      c2 = (await signIn(g, 'c-2')).headers;
    });

    it('signs in: 200 {accessToken, tokenType: Bearer, expiresIn}; a wrong password and an unknown user get the same 401', async () => {
      const ok = await ask('POST', `${g}/api/auth/sign-in`, { body: { username: 'c-3', password: process.env.DEMO_CUSTOMER_PASSWORD || 'shop-demo' } });
      expect({ status: ok.status, tokenType: ok.json?.tokenType, token: typeof ok.json?.accessToken, expiresIn: typeof ok.json?.expiresIn }).toEqual({ status: 200, tokenType: 'Bearer', token: 'string', expiresIn: 'number' });
      const wrong = await ask('POST', `${g}/api/auth/sign-in`, { body: { username: 'c-3', password: 'not-the-password' } });
      const unknown = await ask('POST', `${g}/api/auth/sign-in`, { body: { username: 'c-99999', password: 'not-the-password' } });
      expect({ status: wrong.status, body: wrong.json }).toEqual({ status: 401, body: { error: { code: 'invalid_credentials', message: expect.any(String) } } });
      expect({ status: unknown.status, body: unknown.json }).toEqual({ status: wrong.status, body: wrong.json });
    });

    it('answers 401 in the error shape to /api/ calls without a token, but not to the catalog', async () => {
      for (const [method, path] of [['POST', '/api/orders/tokens'], ['GET', '/api/payments/accounts/c-1'], ['GET', '/api/orders?customerId=c-1']] as const) {
        const res = await ask(method, `${g}${path}`, method === 'POST' ? { body: { customerId: 'c-1' } } : {});
        expect({ path, status: res.status, body: res.json }).toEqual({ path, status: 401, body: { error: { code: 'unauthorized', message: expect.any(String) } } });
      }
      expect((await ask('GET', `${g}/api/products`)).status).toBe(200);
    });

    it("does not show a customer another customer's balance (404, as if it did not exist)", async () => {
      const res = await ask('GET', `${g}/api/payments/accounts/c-1`, { headers: c2 });
      expect(res.status).toBe(404);
    });

    it('lists products with sku, name, priceCents, available, reserved, sold, and sets X-Request-Id', async () => {
      const res = await ask('GET', `${g}/api/products`);
      expect(res.status).toBe(200);
      expect(res.json).toEqual(expect.any(Array));
      expect(res.json[0]).toEqual(expect.objectContaining({ sku: expect.any(String), name: expect.any(String), priceCents: expect.any(Number) }));
      for (const field of ['available', 'reserved', 'sold']) expect(res.json[0]).toHaveProperty(field);
      expect(res.headers.get('x-request-id')).toBeTruthy();
      product = (res.json as Product[]).find((p) => p.available >= 2) ?? res.json[0];
      const one = await ask('GET', `${g}/api/products/${product.sku}`);
      expect({ status: one.status, sku: one.json?.sku }).toEqual({ status: 200, sku: product.sku });
    });

    it('answers an unknown route 404 in the error shape', async () => {
      const res = await ask('GET', `${g}/api/no-such-route`);
      expect({ status: res.status, body: res.json }).toEqual({ status: 404, body: errorShape });
    });

    it("shows a customer's balance in integer cents", async () => {
      const res = await ask1('GET', `${g}/api/payments/accounts/c-1`);
      expect(res.status).toBe(200);
      expect(Number.isInteger(res.json?.balanceCents)).toBe(true);
    });

    it('refuses an order without an Idempotency-Key, or with an unknown one (400, error shape)', async () => {
      const without = await ask1('POST', `${g}/api/orders`, { body: order() });
      expect({ status: without.status, body: without.json }).toEqual({ status: 400, body: errorShape });
      expect((await ask1('POST', `${g}/api/orders`, { body: order(), headers: { 'idempotency-key': 'no-such-token' } })).status).toBe(400);
    });

    it('gives a token (201 {token, expiresAt}) that another customer cannot use (4xx)', async () => {
      const token = await newToken();
      expect({ status: token.status, token: typeof token.json?.token, expiresAt: Boolean(token.json?.expiresAt) }).toEqual({ status: 201, token: 'string', expiresAt: true });
      const other = await ask('POST', `${g}/api/orders`, { body: { ...order(), customerId: 'c-2' }, headers: { ...c2, 'idempotency-key': token.json.token } });
      expect(other.status).toBeGreaterThanOrEqual(400);
      expect(other.status).toBeLessThan(500);
    });

    it('places an order once: 201 PENDING, the same key replays it with Idempotent-Replayed: true, another body is 422', async () => {
      const headers = { 'idempotency-key': (await newToken()).json.token as string };
      const placed = await ask1('POST', `${g}/api/orders`, { body: order(), headers });
      expect({ status: placed.status, orderStatus: placed.json?.status }).toEqual({ status: 201, orderStatus: 'PENDING' });
      orderId = placed.json.id;
      const replay = await ask1('POST', `${g}/api/orders`, { body: order(), headers });
      expect([200, 201]).toContain(replay.status);
      expect({ id: replay.json?.id, replayed: replay.headers.get('idempotent-replayed') }).toEqual({ id: orderId, replayed: 'true' });
      const changed = await ask1('POST', `${g}/api/orders`, { body: { ...order(), items: [{ sku: product.sku, quantity: 2 }] }, headers });
      expect(changed.status).toBe(422);
    });

    it('ends the order CONFIRMED or CANCELLED with its history, and lists it for its customer', async () => {
      const done = await eventually('the order leaves PENDING', async () => {
        const res = await ask1('GET', `${g}/api/orders/${orderId}`);
        return res.json?.status !== 'PENDING' ? res : undefined;
      }, 30_000, 200);
      expect(['CONFIRMED', 'CANCELLED']).toContain(done.json?.status);
      expect(done.json.history.length).toBeGreaterThanOrEqual(2);
      const listed = await ask1('GET', `${g}/api/orders?customerId=c-1`);
      expect(listed.status).toBe(200);
      expect((listed.json as Array<{ id: string }>).some((o) => o.id === orderId)).toBe(true);
    });

    it('refuses a negative quantity or an unknown field (400, error shape) and a body over 1 MiB (413)', async () => {
      const bad = await ask1('POST', `${g}/api/orders`, {
        body: { customerId: 'c-1', items: [{ sku: product.sku, quantity: -1 }], extra: 1 },
        headers: { 'idempotency-key': (await newToken()).json.token as string },
      });
      expect({ status: bad.status, body: bad.json }).toEqual({ status: 400, body: errorShape });
      expect((await ask1('POST', `${g}/api/orders`, { raw: JSON.stringify({ pad: 'x'.repeat(1100 * 1024) }) })).status).toBe(413);
    });

    it('serves the console status, /health and /metrics', async () => {
      const status = await ask('GET', `${g}/gateway/status`);
      expect(status.status).toBe(200);
      expect(status.json).toEqual(expect.any(Object));
      for (const path of ['/health', '/metrics']) expect({ path, status: (await ask('GET', `${g}${path}`)).status }).toEqual({ path, status: 200 });
    });
  });
}
