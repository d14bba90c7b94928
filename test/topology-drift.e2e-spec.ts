// docker-compose.yml and deploy/topology.js (what `npm run stack` and the end-to-end tests start) describe the
// same system twice. This test fails as soon as one of them changes alone: the app processes, which app each
// one runs, its variable names and values (host names aside), its port, its healthcheck port, and that only
// the gateway is published. It needs no server; it lives with the e2e tests because it checks the deployment.
//
// The compose file is read with the `yaml` package (test/support/yaml-documents.ts), every scalar as a string.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_VARIABLES } from '../deploy/secrets';
import { stackProcesses, type StackProcess } from '../deploy/topology';
import { asMap, parseYaml } from './support/yaml-documents';
import { CONSOLE_VARIABLES, TRACING_VARIABLES } from '../deploy/observability-env';

interface AppProcess {
  app: string;
  /** Node.js flags before the main file (`node --flag dist/apps/<app>/main.js`), joined by spaces. */
  nodeFlags: string;
  port: string;
  env: Record<string, string>;
  healthcheckPort?: string;
  published: boolean;
  /** The service whose network namespace it joins (`network_mode: service:<name>`): its reachable name. */
  networkOf?: string;
}

/** What compose makes of `${NAME:-default}` and `$$` with an empty environment. */
function interpolateDefaults(value: string): string {
  return value.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1').replace(/\$\$/g, '$');
}

const appCommand = /^dist\/apps\/([a-z-]+)\/main\.js$/;

/** The app services of a compose file: those whose command is `node [flags...] dist/apps/<app>/main.js`. */
export function composeApps(source: string): Map<string, AppProcess> {
  const services = asMap(asMap(parseYaml(source), 'the compose file').services, 'services');
  const apps = new Map<string, AppProcess>();
  for (const [name, value] of Object.entries(services)) {
    const service = asMap(value, `service ${name}`);
    const command = service.command;
    const main = Array.isArray(command) && command[0] === 'node' ? String(command[command.length - 1]) : '';
    const app = appCommand.exec(main)?.[1];
    if (!app || !Array.isArray(command)) continue;
    const nodeFlags = command.slice(1, -1).map(String).join(' ');
    const env: Record<string, string> = {};
    for (const [key, v] of Object.entries(asMap(service.environment, `${name}.environment`))) {
      env[key] = interpolateDefaults(String(v));
    }
    const test = service.healthcheck ? asMap(service.healthcheck, `${name}.healthcheck`).test : undefined;
    const healthcheckPort = Array.isArray(test) && test.join(' ').startsWith('CMD node deploy/healthcheck.js ') ? String(test[3]) : undefined;
    // Two gateways share one port by joining one network namespace, published by the service that holds it.
    const networkOf = /^service:(.+)$/.exec(String(service.network_mode ?? ''))?.[1];
    const holder = networkOf ? asMap(services[networkOf], `service ${networkOf}`) : undefined;
    apps.set(name, { app, nodeFlags, port: env.PORT, env, healthcheckPort, published: (holder ?? service).ports !== undefined, networkOf });
  }
  return apps;
}

export function topologyApps(processes: StackProcess[]): Map<string, AppProcess> {
  return new Map(processes.map((p) => [p.name, { app: p.app, nodeFlags: p.nodeFlags.join(' '), port: String(p.port), env: p.env, published: false }]));
}

// Compared on their own below: PORT (once, not twice), and the values that differ by design: where the data
// lives, the host an instance advertises (its service name in compose, 127.0.0.1 locally) and the interface it
// listens on (all of its container's in compose, loopback locally).
// The observability variables are passed on from whoever starts the stack (empty: off), so only their names match.
const checkedSeparately = new Set(['PORT', 'REGISTRY_DATA_DIR', 'ADVERTISE_HOST', 'BIND_HOST', ...TRACING_VARIABLES, ...CONSOLE_VARIABLES]);

/** Every difference between the two descriptions, one readable line each; empty when they agree. */
export function findDrift(compose: Map<string, AppProcess>, stack: Map<string, AppProcess>, composeHosts: string[]): string[] {
  const drift: string[] = [];
  // In compose, `order-1:3001` or `@postgres:5432` name a service; locally the same thing is 127.0.0.1.
  const hostPattern = new RegExp(`(^|[/@=,])(${composeHosts.map((h) => h.replace(/[.-]/g, '\\$&')).join('|')})(?=:\\d)`, 'g');
  const localised = (value: string) => value.replace(hostPattern, '$1127.0.0.1');

  for (const name of stack.keys()) if (!compose.has(name)) drift.push(`${name}: in the topology, missing from docker-compose.yml`);
  for (const name of compose.keys()) if (!stack.has(name)) drift.push(`${name}: in docker-compose.yml, missing from the topology`);
  for (const [name, local] of stack) {
    const composed = compose.get(name);
    if (!composed) continue;
    if (composed.app !== local.app) drift.push(`${name}: runs ${composed.app} in compose, ${local.app} in the topology`);
    if (composed.port !== local.port) drift.push(`${name}: PORT ${composed.port} in compose, ${local.port} in the topology`);
    if (composed.nodeFlags !== local.nodeFlags) drift.push(`${name}: node flags "${composed.nodeFlags}" in compose, "${local.nodeFlags}" in the topology`);
    // A process's own port: INSTANCE_PORT where processes share PORT (the gateways), else PORT.
    const ownPort = composed.env.INSTANCE_PORT ?? composed.port;
    if (composed.healthcheckPort !== ownPort) {
      drift.push(`${name}: compose healthcheck probes port ${composed.healthcheckPort ?? '(none)'}, ${composed.env.INSTANCE_PORT ? 'INSTANCE_PORT' : 'PORT'} is ${ownPort}`);
    }
    if (composed.published !== (local.app === 'gateway')) {
      drift.push(`${name}: ${composed.published ? 'publishes a port in compose (only the gateway may)' : 'gateway port is not published in compose'}`);
    }
    const names = new Set([...Object.keys(composed.env), ...Object.keys(local.env)]);
    for (const variable of [...names].sort()) {
      const inCompose = composed.env[variable];
      const inStack = local.env[variable];
      if (inCompose === undefined) drift.push(`${name}: ${variable} only in the topology`);
      else if (inStack === undefined) drift.push(`${name}: ${variable} only in docker-compose.yml`);
      else if (SECRET_VARIABLES.includes(variable)) {
        // No well-known secret: compose leaves it empty for the entrypoint to fill from the generated file.
        if (inCompose !== '') drift.push(`${name}: ${variable} has a default value in compose (secrets come from secrets-init)`);
      } else if (!checkedSeparately.has(variable) && localised(inCompose) !== inStack) {
        drift.push(`${name}: ${variable}="${inCompose}" in compose, "${inStack}" in the topology`);
      }
    }
    if (composed.env.ADVERTISE_HOST !== undefined && composed.env.ADVERTISE_HOST !== (composed.networkOf ?? name)) {
      drift.push(`${name}: ADVERTISE_HOST in compose is "${composed.env.ADVERTISE_HOST}", not the name it is reachable under`);
    }
  }
  return drift;
}

const composeSource = readFileSync(join(__dirname, '..', 'docker-compose.yml'), 'utf8');
const composeHosts = Object.keys(asMap(asMap(parseYaml(composeSource), 'compose').services, 'services'));

function driftOf(source: string, processes: StackProcess[] = stackProcesses()): string[] {
  return findDrift(composeApps(source), topologyApps(processes), composeHosts);
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
