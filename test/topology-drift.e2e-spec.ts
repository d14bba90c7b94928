// docker-compose.yml and deploy/topology.js (what `npm run stack` and the end-to-end tests start) describe the
// same system twice. This test fails as soon as one of them changes alone: the app processes, which app each
// one runs, its variable names and values (host names aside), its port, its healthcheck port, and that only
// the gateway is published. It needs no server; it lives with the e2e tests because it checks the deployment.
//
// The comparison itself, and the k8s drift test's, live in test/support/deployment-drift.ts.
import { stackProcesses, type StackProcess } from '../deploy/topology';
import { composeApps, composeServiceNames, findComposeDrift, readCompose } from './support/deployment-drift';

const composeSource = readCompose();
const composeHosts = composeServiceNames(composeSource);

function driftOf(source: string, processes: StackProcess[] = stackProcesses()): string[] {
  return findComposeDrift(source, processes, composeHosts);
}

/** Applies one textual change, and fails the test if the change did not apply (a stale mutation proves nothing). */
function mutate(source: string, from: string | RegExp, to: string): string {
  const changed = source.replace(from, to);
  expect(changed).not.toBe(source);
  return changed;
}

describe('docker-compose.yml and deploy/topology.js', () => {
  it('describe the same apps, variables, ports and healthchecks, with only the gateway published', () => {
    expect(driftOf(composeSource)).toEqual([]);
  });

  it('cover every app of the contract: 3 registry nodes, gateway x2, order x2, inventory, payment, identity, console', () => {
    expect([...composeApps(composeSource).keys()].sort()).toEqual(
      ['console', 'gateway-1', 'gateway-2', 'identity', 'inventory', 'order-1', 'order-2', 'payment', 'registry-1', 'registry-2', 'registry-3'],
    );
  });
});

describe('the drift check reports a change made on one side only', () => {
  it.each([
    ['a port changed in compose', (s: string) => mutate(s, 'PORT: "3011"', 'PORT: "3012"'), 'order-2: PORT 3012 in compose, 3011 in the topology'],
    [
      "the gateway's node flag dropped from compose",
      (s: string) => mutate(s, '"node", "--no-allocation-site-pretenuring", "dist/apps/gateway/main.js"', '"node", "dist/apps/gateway/main.js"'),
      'gateway-1: node flags "" in compose, "--no-allocation-site-pretenuring" in the topology',
    ],
    [
      'a variable dropped from compose',
      (s: string) => mutate(s, /(inventory:[\s\S]*?)\n\s+KAFKA_BROKERS: "kafka:9092"/, '$1'),
      'inventory: KAFKA_BROKERS only in the topology',
    ],
    [
      'a variable renamed in compose',
      (s: string) => mutate(s, 'ADMIN_TOKEN: "${ADMIN_TOKEN:-}"', 'GATEWAY_ADMIN_TOKEN: "x"'),
      'gateway-1: ADMIN_TOKEN only in the topology',
    ],
    [
      'a well-known default secret',
      (s: string) => mutate(s, 'ADMIN_TOKEN: "${ADMIN_TOKEN:-}"', 'ADMIN_TOKEN: "${ADMIN_TOKEN:-dev-admin-token}"'),
      'gateway-1: ADMIN_TOKEN has a default value in compose (secrets come from secrets-init)',
    ],
    [
      'a database URL pointing elsewhere',
      (s: string) => mutate(s, '@postgres:5432/payments', '@postgres:5432/orders'),
      'payment: DATABASE_URL="postgres://payment_svc:payment_pw@postgres:5432/orders" in compose, "postgres://payment_svc:payment_pw@127.0.0.1:5432/payments" in the topology',
    ],
    [
      'an app service removed from compose',
      (s: string) => mutate(s, /\n {2}payment:\n[\s\S]*?(?=\n {2}gateway:)/, ''),
      'payment: in the topology, missing from docker-compose.yml',
    ],
    [
      'a second published port',
      (s: string) => mutate(s, '    command: ["node", "dist/apps/inventory/main.js"]', '    command: ["node", "dist/apps/inventory/main.js"]\n    ports:\n      - "3002:3002"'),
      'inventory: publishes a port in compose (only the gateway may)',
    ],
    [
      'a healthcheck left on the old port',
      (s: string) => mutate(s, '"deploy/healthcheck.js", "3003"', '"deploy/healthcheck.js", "3004"'),
      'payment: compose healthcheck probes port 3004, PORT is 3003',
    ],
    [
      'a gateway probed on the shared port',
      (s: string) => mutate(s, '"deploy/healthcheck.js", "8082"', '"deploy/healthcheck.js", "8080"'),
      'gateway-2: compose healthcheck probes port 8080, INSTANCE_PORT is 8082',
    ],
    [
      'the gateways\' namespace no longer published',
      (s: string) => mutate(s, /(command: \["sleep", "infinity"\]\n\s+init: true\n)\s+ports:\n\s+- "8080:8080"\n/, '$1'),
      'gateway-1: gateway port is not published in compose',
    ],
  ])('%s', (_what, change, expected) => {
    expect(driftOf(change(composeSource))).toContain(expected);
  });

  it('a variable added to the topology only', () => {
    const processes = stackProcesses().map((p) => (p.name === 'order-1' ? { ...p, env: { ...p.env, EXTRA_SETTING: '1' } } : p));
    expect(driftOf(composeSource, processes)).toEqual(['order-1: EXTRA_SETTING only in the topology']);
  });

  it('a process added to the topology only', () => {
    const processes = stackProcesses();
    const extra = { ...processes.find((p) => p.name === 'order-2')!, name: 'order-3' };
    expect(driftOf(composeSource, [...processes, extra])).toEqual(['order-3: in the topology, missing from docker-compose.yml']);
  });
});
