import { eventually } from '@shop/testing';
import { runId, TestGateway, TestUpstream } from './gateway-harness';

jest.setTimeout(120_000);

interface Transition {
  name: string;
  from: string;
  to: string;
  reason: string;
}

/**
 * 服务熔断 through the gateway: one breaker per upstream service. The seed's rule, "within 5 s, if 50% of
 * calls are slow, fail fast for the next 5 s", with a short reset time so that the test does not wait 5 s.
 */
describe('gateway: circuit breakers per upstream', () => {
  const failing = new TestUpstream('failing');
  const slow = new TestUpstream('slow');
  const failingService = `flaky-${runId}`;
  const slowService = `sluggish-${runId}`;
  let gateway: TestGateway;

  beforeAll(async () => {
    await Promise.all([failing.start(), slow.start()]);
    gateway = await TestGateway.start({
      discovery: {
        services: { [failingService]: [failing.instance()], [slowService]: [slow.instance()] },
        config: {
          'config/gateway/routes': { products: { service: failingService }, payments: { service: slowService } },
          'config/gateway/rate-limits': [],
          'config/gateway/breakers': {
            default: { volumeThreshold: 5, errorThresholdPercentage: 50, rollingCountTimeout: 5000, resetTimeout: 1000, timeout: 5000 },
            [slowService]: { slowCallMs: 200, slowCallRateThreshold: 50, slowCallWindowMs: 5000, slowCallMinCalls: 5 },
          },
        },
      },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([failing.kill(), slow.kill()]);
  });

  const breaker = async (service: string) => (await gateway.status()).breakers.find((b) => b.upstream === service);
  const transitions = async (service: string) =>
    ((await gateway.get('/gateway/series')).json as { breakerTransitions: Transition[] }).breakerTransitions.filter((t) => t.name === service);

  it('an upstream that starts failing opens its breaker; requests then fail fast with 503 + Retry-After; a successful probe closes it', async () => {
    for (let i = 0; i < 5; i++) expect((await gateway.get('/api/products')).status).toBe(200);
    failing.behaviour = (_req, res) => {
      res.statusCode = 500;
      res.end('{"error":{"code":"boom","message":"upstream failure"}}');
    };
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await gateway.get('/api/products')).status);
    // The upstream's own 500s are forwarded until the error rate passes 50% of at least 5 calls.
    const firstOpen = statuses.indexOf(503);
    expect(firstOpen).toBeGreaterThan(0);
    expect(statuses.slice(0, firstOpen).every((s) => s === 500)).toBe(true);
    expect(statuses.slice(firstOpen).every((s) => s === 503)).toBe(true);
    expect((await breaker(failingService))?.state).toBe('open');

    const reached = failing.started;
    const fast = await gateway.get('/api/products');
    expect(fast.status).toBe(503);
    expect(fast.json).toMatchObject({ error: { code: 'circuit_open' } });
    expect(Number(fast.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(failing.started).toBe(reached);

    failing.behaviour = new TestUpstream('failing').behaviour.bind(failing);
    await eventually('the probe to close the breaker', async () => ((await gateway.get('/api/products')).status === 200 ? true : undefined));
    expect((await breaker(failingService))?.state).toBe('closed');
    expect((await transitions(failingService)).map((t) => t.to)).toEqual(['open', 'half-open', 'closed']);
    const metrics = (await gateway.get('/metrics')).text;
    expect(metrics).toMatch(new RegExp(`circuit_breaker_state\\{name="${failingService}"[^}]*\\} 0`));
    expect(metrics).toMatch(new RegExp(`circuit_breaker_transitions_total\\{name="${failingService}",to="open",reason="errors"[^}]*\\} 1`));
  });

  it('an upstream that becomes slow (50% of calls over slowCallMs) opens its breaker; the slow calls still complete', async () => {
    slow.behaviour = (_req, res) => setTimeout(() => res.end('{"slow":true}'), 400);
    const answers = await Promise.all(Array.from({ length: 5 }, () => gateway.get('/api/payments/accounts/c-1')));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.every((a) => a.text === '{"slow":true}')).toBe(true);
    expect((await breaker(slowService))?.state).toBe('open');
    expect((await transitions(slowService))[0]).toMatchObject({ from: 'closed', to: 'open', reason: 'slow-calls' });

    const reached = slow.started;
    const fast = await gateway.get('/api/payments/accounts/c-1');
    expect(fast.status).toBe(503);
    expect(fast.headers['retry-after']).toBeDefined();
    expect(slow.started).toBe(reached);

    slow.behaviour = new TestUpstream('slow').behaviour.bind(slow);
    await eventually('the probe to close the breaker', async () => ((await gateway.get('/api/payments/accounts/c-1')).status === 200 ? true : undefined));
    expect((await breaker(slowService))?.state).toBe('closed');
  });
});
