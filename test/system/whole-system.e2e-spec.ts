import { describeGatewayContract } from '../contract/gateway-contract';
import { describeRegistryContract } from '../contract/registry-contract';
import { signIn } from '../support/sign-in';
import { RunningSystem, startSystem } from '../support/system';

// The whole topology of `npm run stack`, asked every question of the contract (test/contract/): the registry
// cluster's client API and the gateway's public API, over real processes, Postgres, Redis, Kafka.
describe('the whole running system', () => {
  let system: RunningSystem;

  beforeAll(async () => {
    system = await startSystem();
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('every app of the topology reports healthy', async () => {
    for (const p of system.processes) {
      const res = await fetch(p.healthUrl, { signal: AbortSignal.timeout(5000) });
      expect({ name: p.name, status: res.status }).toEqual({ name: p.name, status: 200 });
    }
  });

  describeRegistryContract(() => ({ urls: system.registryUrls, token: system.secrets.registryToken }));

  describeGatewayContract(() => ({ url: system.gatewayUrl }));

  // The seed's rule, live: payment made slow through the config center (no restart), the gateway's breaker for
  // payment opens on slow calls and fails fast, and closes again once payment is fast.
  it('a slow payment opens its breaker at the gateway, which then fails fast, and closes once payment is fast again', async () => {
    // One gateway's own port: a breaker is per gateway process, and on the shared port the kernel spreads the
    // calls over both gateways (each would see fewer than the breaker's minimum volume).
    const gatewayOne = system.processes.find((p) => p.name === 'gateway-1')!;
    const oneGatewayUrl = `http://127.0.0.1:${gatewayOne.env.INSTANCE_PORT}`;
    const account = `${oneGatewayUrl}/api/payments/accounts/c-1`;
    const setLatency = async (ms: number) => {
      const res = await fetch(`${system.gatewayUrl}/gateway/admin/config/config/payment/latency-ms`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${system.secrets.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ value: ms }),
      });
      expect(res.status).toBe(200);
    };
    const { headers } = await signIn(system.gatewayUrl, 'c-1');
    const timedGet = async () => {
      const started = Date.now();
      const res = await fetch(account, { headers, signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      return { status: res.status, ms: Date.now() - started, retryAfter: res.headers.get('retry-after') };
    };
    const paymentBreaker = async () => {
      const status = (await (await fetch(`${oneGatewayUrl}/gateway/status`)).json()) as { breakers: Array<{ upstream: string; state: string }> };
      return status.breakers.find((b) => b.upstream === 'payment')?.state;
    };

    await setLatency(1500);
    // The change reaches payment through a blocking query; wait until a call is really slow.
    let probe = await timedGet();
    for (let i = 0; i < 20 && probe.ms < 1200; i++) probe = await timedGet();
    expect(probe).toMatchObject({ status: 200 });
    expect(probe.ms).toBeGreaterThanOrEqual(1200);

    // More than the minimum volume (10) of slow calls inside the 5 s window.
    const slow = await Promise.all(Array.from({ length: 12 }, timedGet));
    expect(slow.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(10);
    expect(await paymentBreaker()).toBe('open');
    const failedFast = await timedGet();
    expect(failedFast.status).toBe(503);
    expect(failedFast.retryAfter).not.toBeNull();

    await setLatency(0);
    // After the reset timeout (5 s) a probe goes through (half-open) and, being fast, closes the breaker.
    await new Promise((r) => setTimeout(r, 5500));
    let after = await timedGet();
    for (let i = 0; i < 20 && after.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 500));
      after = await timedGet();
    }
    expect(after.status).toBe(200);
    expect(await paymentBreaker()).toBe('closed');
  }, 90_000);
});
