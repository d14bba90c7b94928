import { readCluster, readOutbox, readSaga, readSeries, readStatus } from './console-api';

/** The gateway's answers as it sends them (apps/gateway/src/observability/gateway-status.ts, apps/console/src/api/). */
describe('reading the gateway console endpoints', () => {
  it('reads each node of GET /api/console/cluster, and a node that did not answer', () => {
    const nodes = readCluster({
      nodes: [
        { url: 'http://127.0.0.1:7001', ok: true, status: 200, body: { id: 'n1', role: 'leader', term: 3, leader: 'n1', commitIndex: 12, appliedIndex: 12 } },
        { url: 'http://127.0.0.1:7002', ok: false, error: 'connect ECONNREFUSED' },
        { url: 'http://127.0.0.1:7003', ok: false, status: 401, body: { error: { code: 'unauthorized', message: 'token' } } },
      ],
    });
    expect(nodes[0]).toEqual({ id: 'n1', url: 'http://127.0.0.1:7001', role: 'leader', term: 3, commitIndex: 12, appliedIndex: 12, leader: 'n1', error: undefined });
    expect(nodes[1]).toMatchObject({ id: 'http://127.0.0.1:7002', role: 'unreachable', error: 'connect ECONNREFUSED' });
    expect(nodes[2]).toMatchObject({ role: 'unreachable', error: 'HTTP 401' });
  });

  it('reads GET /gateway/status: instances, breakers, policies with their counters and their config shape', () => {
    const status = readStatus({
      routes: [{ path: '/api/orders', prefix: 'orders', service: 'order' }],
      services: { order: [{ id: 'order-1', address: '127.0.0.1:3001', sent: 4, outstanding: 0, failures: 1 }] },
      breakers: [{ upstream: 'payment', state: 'half-open', retryAfterMs: 0, slowCalls: { calls: 10, slow: 6 }, stats: { fires: 10, failures: 0, timeouts: 0, rejects: 2, p99Ms: 3100 } }],
      rateLimits: {
        redis: { state: 'ready' },
        policies: [{ name: 'api-per-ip', methods: [], pathPrefix: '/api/', key: 'ip', onRedisError: 'local', algorithm: 'token-bucket', capacity: 200, refillPerSec: 100, stats: { admitted: 7, rejected: 2, delayed: 0 } }],
      },
    });
    expect(status.routes).toEqual([{ path: '/api/orders', service: 'order' }]);
    expect(status.services).toEqual([{ service: 'order', instances: [{ id: 'order-1', address: '127.0.0.1:3001', sent: 4, outstanding: 0, failures: 1 }] }]);
    expect(status.breakers[0]).toMatchObject({ name: 'payment', state: 'HALF_OPEN', slowCalls: 6, calls: 10, rejects: 2, p99Ms: 3100 });
    expect(status.rateLimitRedis).toBe('ready');
    expect(status.policies[0]).toMatchObject({ name: 'api-per-ip', algorithm: 'token-bucket', admitted: 7, rejected: 2 });
    // Back into the shape config/gateway/rate-limits takes, without the counters.
    expect(status.policies[0].config).toEqual({ name: 'api-per-ip', key: 'ip', onRedisError: 'local', algorithm: 'token-bucket', capacity: 200, refillPerSec: 100, match: { pathPrefix: '/api/' } });
  });

  it('reads GET /api/console/outbox, including a service that did not answer', () => {
    const backlog = readOutbox({
      services: [
        { service: 'order', instance: 'order-1', ok: true, status: 200, body: { pending: 3, dead: 1, published: 9, oldestPendingAgeMs: 1500, parkedInbound: 0 } },
        { service: 'payment', instance: null, ok: false, error: 'no live instance' },
      ],
    });
    expect(backlog[0]).toEqual({ service: 'order', instance: 'order-1', pending: 3, parked: 1, parkedInbound: 0, published: 9, oldestAgeMs: 1500, error: undefined });
    expect(backlog[1]).toMatchObject({ service: 'payment', error: 'no live instance' });
  });

  it('orders a saga by time, the outbox step before the inbox step, and names services that did not answer', () => {
    const saga = readSaga({
      orderId: 'o-1',
      events: [
        { eventId: 'e2', type: 'StockReserved', direction: 'in', at: '2026-01-01T00:00:02Z', status: 'processed', service: 'payment', occurredAt: '' },
        { eventId: 'e2', type: 'StockReserved', direction: 'out', at: '2026-01-01T00:00:02Z', status: 'published', service: 'inventory', occurredAt: '' },
        { eventId: 'e1', type: 'OrderCreated', direction: 'out', at: '2026-01-01T00:00:01Z', status: 'published', service: 'order', occurredAt: '' },
      ],
      sources: [
        { service: 'order', ok: true },
        { service: 'payment', ok: false, error: 'timeout' },
      ],
    });
    expect(saga.events.map((e) => `${e.type}/${e.direction}/${e.source}`)).toEqual(['OrderCreated/out/order', 'StockReserved/out/inventory', 'StockReserved/in/payment']);
    expect(saga.unanswered).toEqual(['payment (timeout)']);
    expect(saga.traceUrl).toBeUndefined();
  });

  it("keeps the link to the order's trace, and only an http(s) one", () => {
    expect(readSaga({ events: [], traceUrl: 'http://localhost:16686/trace/0af7651916cd43dd8448eb211c80319c' }).traceUrl).toBe(
      'http://localhost:16686/trace/0af7651916cd43dd8448eb211c80319c',
    );
    expect(readSaga({ events: [], traceUrl: 'javascript:alert(1)' }).traceUrl).toBeUndefined();
  });
});

describe('reading the gateway series', () => {
  it('reads per-policy points and turns breaker transitions into samples that start from the first "from"', () => {
    const series = readSeries({
      intervalMs: 1000,
      policies: { orders: [{ t: 1000, admitted: 3, rejected: 1 }] },
      breakerTransitions: [
        { name: 'payment', from: 'closed', to: 'open', reason: 'slow-calls', at: 5000 },
        { name: 'payment', from: 'open', to: 'half-open', reason: 'reset-timeout', at: 10000 },
      ],
    });
    expect(series.policies.get('orders')).toEqual([{ t: 1000, admitted: 3, rejected: 1 }]);
    expect(series.breakers.get('payment')).toEqual([
      { t: 0, state: 'CLOSED' },
      { t: 5000, state: 'OPEN' },
      { t: 10000, state: 'HALF_OPEN' },
    ]);
  });
});
