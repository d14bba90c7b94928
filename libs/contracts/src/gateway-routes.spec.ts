import { DEFAULT_ROUTES, parseRoutes } from './gateway-routes';

describe('config/gateway/routes', () => {
  it('has the contract routes by default', () => {
    expect([...DEFAULT_ROUTES].map(([prefix, r]) => `${prefix}->${r.service}`)).toEqual(['products->inventory', 'orders->order', 'payments->payment', 'auth->identity', 'console->console']);
  });

  it('parses balancers and timeouts, with defaults', () => {
    const table = parseRoutes({ goods: { service: 'inventory', balancer: 'weighted', timeouts: { headersMs: 500 } } });
    expect(table.get('goods')).toEqual({ prefix: 'goods', service: 'inventory', balancer: 'weighted', timeouts: { connectMs: 1000, headersMs: 500, bodyMs: 30_000 } });
  });

  it('serializes as JSON (the config client compares values by their JSON)', () => {
    expect(JSON.stringify(parseRoutes({ a: { service: 'x' } }))).not.toBe(JSON.stringify(parseRoutes({ b: { service: 'x' } })));
  });

  it.each([
    [[], /expected an object/],
    [{ 'Bad Prefix': { service: 'x' } }, /prefix/],
    [{ a: { service: 'X!' } }, /service/],
    [{ a: { service: 'x', balancer: 'random' } }, /balancer/],
    [{ a: { service: 'x', retries: 3 } }, /unknown field/],
    [{ a: { service: 'x', timeouts: { headersMs: 0 } } }, /headersMs/],
    [{ a: { service: 'x', timeouts: { idleMs: 5 } } }, /unknown timeout/],
  ])('refuses %j', (raw, message) => {
    expect(() => parseRoutes(raw)).toThrow(message);
  });
});
