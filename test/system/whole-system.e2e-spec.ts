import { runContractCheck, RunningSystem, startSystem } from '../support/system';

// The whole topology of `npm run stack`, asked every question of the contract (shared/contract/check.mjs):
// the registry cluster's client API and the gateway's public API, over real processes, Postgres, Redis, Kafka.
describe('the running system answers the contract', () => {
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

  it('the registry cluster passes the contract check', async () => {
    const { code, output } = await runContractCheck([
      'registry',
      '--urls',
      system.registryUrls.join(','),
      '--token',
      system.secrets.registryToken,
    ]);
    expect(output).toMatch(/\d+ passed, 0 failed/);
    expect(code).toBe(0);
  }, 120_000);

  it('the gateway passes the contract check', async () => {
    const { code, output } = await runContractCheck(['gateway', '--url', system.gatewayUrl]);
    expect(output).toMatch(/\d+ passed, 0 failed/);
    expect(code).toBe(0);
  }, 120_000);
});
