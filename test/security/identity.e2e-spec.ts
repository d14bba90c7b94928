import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACCESS_TOKEN, IDENTITY_JWKS_KEY, KeyPublisher, SigningKey, VersionedKv } from '@shop/auth';
import { eventually } from '@shop/testing';
import { signIn } from '../support/sign-in';
import { RunningSystem, startSystem } from '../support/system';

/**
 * Identity and trust on the whole running system (issue 16): customers sign in; a customer cannot read, list
 * or pay for another's things, and the answer does not tell whether they exist; forged, expired, wrong-audience
 * and `alg: none` tokens are refused at the gateway; a key rotation through the config center keeps the tokens
 * of both keys valid; a service's own port refuses requests without the gateway's proof; operators sign in for
 * the admin API, and each admin action is logged with who did it.
 */
jest.setTimeout(180_000);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const headerOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string; alg: string };

describe('identity and trust', () => {
  let system: RunningSystem;
  let g: string;
  let c1: Record<string, string>;
  let c2: Record<string, string>;
  let ops: Record<string, string>;
  let c1Order: { id: string };
  let kv: VersionedKv;

  const call = async (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) => {
    const res = await fetch(`${g}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json: json as Record<string, unknown> | undefined };
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  /** An order of c-1, placed through the gateway as c-1. */
  const placeAs = async (as: Record<string, string>, customerId?: string) => {
    const token = (await call('POST', '/api/orders/tokens', as, {})).json?.token as string;
    const products = (await call('GET', '/api/products')).json as unknown as { sku: string; available: number }[];
    const sku = products.find((p) => p.available > 5)!.sku;
    return call('POST', '/api/orders', { ...as, 'idempotency-key': token }, { ...(customerId ? { customerId } : {}), items: [{ sku, quantity: 1 }] });
  };

  beforeAll(async () => {
    system = await startSystem({ portOffset: 21000 });
    g = system.gatewayUrl;
    c1 = (await signIn(g, 'c-1')).headers;
    c2 = (await signIn(g, 'c-2')).headers;
    ops = (await signIn(g, 'ops', system.secrets.operatorPassword)).headers;
    const placed = await placeAs(c1);
    expect(placed.status).toBe(201);
    c1Order = placed.json as { id: string };
    // Its saga charges c-1 later: once it has ended, c-1's balance stays put for the tests that compare it.
    await eventually('c-1\'s order leaves PENDING', async () => (await call('GET', `/api/orders/${c1Order.id}`, c1)).json?.status !== 'PENDING', 60_000, 200);
    const registry = system.registryUrls[0]!;
    const auth = { authorization: `Bearer ${system.secrets.registryToken}` };
    kv = {
      read: async (key) => {
        const res = await fetch(`${registry}/v1/kv/${key}`, { headers: auth });
        return res.status === 404 ? undefined : ((await res.json()) as { value: unknown; modIndex: number });
      },
      writeIfUnchanged: async (key, value, modIndex) =>
        (await fetch(`${registry}/v1/kv/${key}?cas=${modIndex}`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ value }) })).status === 200,
    };
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  describe("a customer cannot read, list or pay for another's things, and cannot tell they exist", () => {
    it("another customer's order is 404, exactly as an order that does not exist", async () => {
      const theirs = await call('GET', `/api/orders/${c1Order.id}`, c2);
      const none = await call('GET', '/api/orders/00000000-0000-4000-8000-000000000000', c2);
      expect(theirs.status).toBe(404);
      expect((theirs.json as { error: { code: string } }).error.code).toBe((none.json as { error: { code: string } }).error.code);
      expect((await call('GET', `/api/orders/${c1Order.id}`, c1)).status).toBe(200);
    });

    it("another customer's balance is 404, exactly as a customer that does not exist", async () => {
      const theirs = await call('GET', '/api/payments/accounts/c-1', c2);
      const none = await call('GET', '/api/payments/accounts/c-100000', c2);
      expect({ status: theirs.status, json: theirs.json }).toEqual({ status: 404, json: none.json });
      expect((await call('GET', '/api/payments/accounts/c-2', c2)).status).toBe(200);
    });

    it("listing another customer's orders is refused (403); without customerId a customer lists their own", async () => {
      expect((await call('GET', '/api/orders?customerId=c-1', c2)).status).toBe(403);
      const own = (await call('GET', '/api/orders', c1)).json as unknown as { id: string; customerId: string }[];
      expect(own.some((o) => o.id === c1Order.id)).toBe(true);
      expect(new Set(own.map((o) => o.customerId))).toEqual(new Set(['c-1']));
      expect(((await call('GET', '/api/orders', c2)).json as unknown as { id: string }[]).some((o) => o.id === c1Order.id)).toBe(false);
    });

    it("ordering as another customer is refused (403) and costs them nothing", async () => {
      const before = (await call('GET', '/api/payments/accounts/c-1', c1)).json?.balanceCents;
      expect((await call('POST', '/api/orders/tokens', c2, { customerId: 'c-1' })).status).toBe(403);
      expect((await placeAs(c2, 'c-1')).status).toBe(403);
      const placed = await placeAs(c2);
      expect({ status: placed.status, customerId: placed.json?.customerId }).toEqual({ status: 201, customerId: 'c-2' });
      expect((await call('GET', '/api/payments/accounts/c-1', c1)).json?.balanceCents).toBe(before);
    });

    it("an idempotency token is bound to its customer: another's use is refused and leaves it usable", async () => {
      const token = (await call('POST', '/api/orders/tokens', c1, {})).json?.token as string;
      const products = (await call('GET', '/api/products')).json as unknown as { sku: string; available: number }[];
      const body = { items: [{ sku: products.find((p) => p.available > 5)!.sku, quantity: 1 }] };
      const stolen = await call('POST', '/api/orders', { ...c2, 'idempotency-key': token }, body);
      expect(stolen.status).toBeGreaterThanOrEqual(400);
      expect(stolen.status).toBeLessThan(500);
      expect((await call('POST', '/api/orders', { ...c1, 'idempotency-key': token }, body)).status).toBe(201);
    });

    it("another customer's saga is 404; one's own is shown", async () => {
      expect((await call('GET', `/api/console/sagas/${c1Order.id}`, c2)).status).toBe(404);
      expect((await call('GET', `/api/console/sagas/${c1Order.id}`)).status).toBe(401);
      expect((await call('GET', `/api/console/sagas/${c1Order.id}`, c1)).status).toBe(200);
      expect((await call('GET', `/api/console/sagas/${c1Order.id}`, ops)).status).toBe(200);
    });
  });

  describe('the gateway refuses every token identity did not issue, or not for it, or no longer', () => {
    const claims = (over: Record<string, unknown> = {}) => {
      const now = Math.floor(Date.now() / 1000);
      return { iss: ACCESS_TOKEN.issuer, aud: ACCESS_TOKEN.audience, sub: 'c-1', role: 'customer', iat: now, exp: now + 600, ...over };
    };
    const refused = async (token: string) => {
      const res = await call('GET', '/api/payments/accounts/c-1', bearer(token));
      return { status: res.status, code: (res.json as { error?: { code?: string } } | undefined)?.error?.code };
    };
    const REFUSED = { status: 401, code: 'unauthorized' };

    it('refuses a token signed by another key under the real kid (forged), alg none, and HS256 keyed with the public key', async () => {
      const real = c1.authorization!.slice('Bearer '.length);
      const { kid } = headerOf(real);
      const forger = SigningKey.generate();
      const forged = await forger.sign(claims(), 'at+jwt');
      const [, payload, signature] = forged.split('.');
      expect(await refused(`${b64({ alg: 'ES256', kid, typ: 'at+jwt' })}.${payload}.${signature}`)).toEqual(REFUSED);
      expect(await refused(`${b64({ alg: 'none', kid, typ: 'at+jwt' })}.${b64(claims())}.`)).toEqual(REFUSED);
      const jwks = (await kv.read(IDENTITY_JWKS_KEY))!.value as { keys: { kid: string; x: string }[] };
      const signingInput = `${b64({ alg: 'HS256', kid, typ: 'at+jwt' })}.${b64(claims())}`;
      const hs = createHmac('sha256', jwks.keys.find((k) => k.kid === kid)!.x).update(signingInput).digest('base64url');
      expect(await refused(`${signingInput}.${hs}`)).toEqual(REFUSED);
      expect(await refused(real.slice(0, -4) + 'AAAA')).toEqual(REFUSED);
    });

    it('refuses an expired token and one for another audience or issuer, even signed with a published key', async () => {
      // The test publishes a key of its own in the config center, as identity does; tokens it signs right are admitted.
      const key = SigningKey.generate();
      await new KeyPublisher({ kv, configKey: IDENTITY_JWKS_KEY, owner: `e2e-${process.pid}`, retainMs: 60_000, leaseMs: 600_000 }).publish(key);
      const good = await key.sign(claims(), 'at+jwt');
      await eventually('the gateway admits a token of the published key', async () => (await call('GET', '/api/payments/accounts/c-1', bearer(good))).status === 200, 10_000, 100);
      const now = Math.floor(Date.now() / 1000);
      expect(await refused(await key.sign(claims({ iat: now - 3600, exp: now - 120 }), 'at+jwt'))).toEqual(REFUSED);
      expect(await refused(await key.sign(claims({ aud: 'another-api' }), 'at+jwt'))).toEqual(REFUSED);
      expect(await refused(await key.sign(claims({ iss: 'someone-else' }), 'at+jwt'))).toEqual(REFUSED);
      expect(await refused(await key.sign(claims({ role: 'admin' }), 'at+jwt'))).toEqual(REFUSED);
      expect(await refused(await key.sign(claims(), 'gateway-proof+jwt'))).toEqual(REFUSED);
    });
  });

  it('a key rotation through the config center: tokens of the old key and of the new one are both accepted, no restart', async () => {
    const before = await signIn(g, 'c-3');
    // No restart: one gateway's uptime keeps growing (its own port: on the shared one either gateway answers).
    const gatewayOne = system.processes.find((p) => p.name === 'gateway-1')!;
    const statusOfOne = `http://127.0.0.1:${gatewayOne.env.INSTANCE_PORT}/gateway/status`;
    const gatewayPid = (await (await fetch(statusOfOne)).json()) as { uptimeMs: number };
    expect((await call('POST', '/api/auth/keys/rotate', c1)).status).toBe(403);
    const rotated = await call('POST', '/api/auth/keys/rotate', ops);
    expect(rotated.status).toBe(200);
    const { kid, previous } = rotated.json as { kid: string; previous: string };
    expect(kid).not.toBe(previous);
    const published = ((await kv.read(IDENTITY_JWKS_KEY))!.value as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    expect(published).toEqual(expect.arrayContaining([kid, previous]));
    const after = await signIn(g, 'c-3');
    expect(headerOf(after.accessToken).kid).toBe(kid);
    expect(headerOf(before.accessToken).kid).toBe(previous);
    await eventually('the gateway admits a token of the new key', async () => (await call('GET', '/api/payments/accounts/c-3', after.headers)).status === 200, 10_000, 100);
    expect((await call('GET', '/api/payments/accounts/c-3', before.headers)).status).toBe(200);
    const status = (await (await fetch(statusOfOne)).json()) as { uptimeMs: number };
    expect(status.uptimeMs).toBeGreaterThan(gatewayPid.uptimeMs);
  });

  it('refresh: a refresh token gives new tokens once; spent or signed out, it is refused', async () => {
    const session = await signIn(g, 'c-4');
    const refreshed = await call('POST', '/api/auth/refresh', {}, { refreshToken: session.refreshToken });
    expect(refreshed.status).toBe(200);
    expect((await call('GET', '/api/payments/accounts/c-4', bearer(refreshed.json?.accessToken as string))).status).toBe(200);
    expect((await call('POST', '/api/auth/refresh', {}, { refreshToken: session.refreshToken })).status).toBe(401);
    expect((await call('POST', '/api/auth/sign-out', {}, { refreshToken: refreshed.json?.refreshToken })).status).toBe(200);
    expect((await call('POST', '/api/auth/refresh', {}, { refreshToken: refreshed.json?.refreshToken })).status).toBe(401);
  });

  it("a service's own port refuses requests without the gateway's proof; /health stays open", async () => {
    const customerToken = c1.authorization!;
    for (const [name, path] of [
      ['order-1', '/orders?customerId=c-1'],
      ['order-1', '/outbox/stats'],
      ['payment', '/payments/accounts/c-1'],
      ['inventory', '/products'],
      ['identity', '/auth/keys/rotate'],
    ] as const) {
      const url = `${system.url(name)}${path}`;
      const method = name === 'identity' ? 'POST' : 'GET';
      expect({ url, status: (await fetch(url, { method })).status }).toEqual({ url, status: 401 });
      // A customer's own access token is no gateway proof.
      expect({ url, status: (await fetch(url, { method, headers: { authorization: customerToken } })).status }).toEqual({ url, status: 401 });
      expect((await fetch(`${system.url(name)}/health`)).status).toBe(200);
    }
    // A proof signed by a key the config center does not hold (a gateway impersonated) is refused too.
    const impostor = SigningKey.generate();
    const now = Math.floor(Date.now() / 1000);
    const fake = await impostor.sign({ iss: 'shop-gateway', aud: 'payment', sub: 'c-1', role: 'operator', iat: now, exp: now + 60 }, 'gateway-proof+jwt');
    expect((await fetch(`${system.url('payment')}/payments/accounts/c-1`, { headers: bearer(fake) })).status).toBe(401);
  });

  it('the admin API wants an operator (401 without, 403 for a customer) and logs who acted', async () => {
    const path = '/gateway/admin/config/config/payment/latency-ms';
    // The console service does the admin action (the gateway forwards /gateway/admin/* to it): its log has the audit line.
    const logFiles = system.processes.filter((p) => p.app === 'console').map((p) => join(__dirname, '..', '..', 'test-artifacts', 'logs', `${p.name}.log`));
    const logsAfter = (before: readonly number[]) => logFiles.map((file, i) => readFileSync(file, 'utf8').slice(before[i])).join('\n');
    const logBefore = logFiles.map((file) => readFileSync(file, 'utf8').length);
    expect((await call('PUT', path, {}, { value: 0 })).status).toBe(401);
    expect((await call('PUT', path, c1, { value: 0 })).status).toBe(403);
    expect((await call('PUT', path, ops, { value: 0 })).status).toBe(200);
    // The console's output reaches its log file through a pipe: wait for the line rather than race it.
    const audit = /admin action: config written[^\n]*"key":"config\/payment\/latency-ms"[^\n]*"actor":"ops","via":"operator-token"/;
    await eventually('the audit line in the gateway log', async () => audit.test(logsAfter(logBefore)), 10_000, 100);
  });
});
