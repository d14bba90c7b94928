'use strict';
// The ONE definition of the processes of `npm run stack` (docs/architecture.md): three registry
// nodes, the gateway, two order instances, inventory and payment, each with the command and the environment
// variables of the contract. scripts/stack.mjs runs it, end-to-end tests start the same list through
// stackProcesses(), and test/topology-drift.e2e-spec.ts fails when docker-compose.yml drifts away from it.
//
// CommonJS with a .d.ts beside it so that both the ESM script and jest's CommonJS tests can load it as is.
const path = require('node:path');
const { NODE_MEMORY_OPTIONS } = require('./node-memory');

const REPO_ROOT = path.resolve(__dirname, '..');

/** Local ports of the contract; the names are also the docker-compose.yml service names. */
const PORTS = Object.freeze({
  'registry-1': 7001,
  'registry-2': 7002,
  'registry-3': 7003,
  gateway: 8080,
  'order-1': 3001,
  'order-2': 3011,
  inventory: 3002,
  payment: 3003,
});


const DATABASES = Object.freeze({
  order: { role: 'order_svc', password: 'order_pw', database: 'orders' },
  inventory: { role: 'inventory_svc', password: 'inventory_pw', database: 'inventory' },
  payment: { role: 'payment_svc', password: 'payment_pw', database: 'payments' },
});

/**
 * The processes of the stack, in start order (`tier` ascending: registry, then services, then gateway).
 * @param {import('./topology').StackOptions} [options]
 * @returns {import('./topology').StackProcess[]}
 */
function stackProcesses(options = {}) {
  const rootDir = path.resolve(options.rootDir ?? REPO_ROOT);
  const portOffset = options.portOffset ?? 0;
  const dataDir = path.resolve(rootDir, options.dataDir ?? '.data');
  const infra = { postgres: '127.0.0.1:5432', redis: '127.0.0.1:6379', kafka: '127.0.0.1:9092', ...options.infra };
  // No default secrets: whoever starts processes passes them (scripts/stack.mjs from .data/secrets.env, see
  // deploy/secrets.js; the end-to-end harness its own per run). Without them the values are empty: the registry
  // and the services refuse to start, and the gateway's admin API stays closed.
  const secrets = { registryToken: '', raftSecret: '', adminToken: '', ...options.secrets };
  const host = '127.0.0.1';
  const portOf = (name) => PORTS[name] + portOffset;
  const urlOf = (name) => `http://${host}:${portOf(name)}`;

  const registryNames = ['registry-1', 'registry-2', 'registry-3'];
  const registryUrls = registryNames.map(urlOf).join(',');
  const registryPeers = registryNames.map((name, i) => `n${i + 1}=${urlOf(name)}`).join(',');
  const databaseUrl = (app) => {
    const db = DATABASES[app];
    return `postgres://${db.role}:${db.password}@${infra.postgres}/${db.database}`;
  };

  const registry = (name, i) => ({
    name,
    app: 'registry',
    tier: 0,
    env: {
      PORT: String(portOf(name)),
      REGISTRY_NODE_ID: `n${i + 1}`,
      REGISTRY_PEERS: registryPeers,
      REGISTRY_DATA_DIR: path.join(dataDir, name),
      RAFT_SECRET: secrets.raftSecret,
      REGISTRY_TOKEN: secrets.registryToken,
    },
  });
  const service = (name, app, extraEnv) => ({
    name,
    app,
    tier: 1,
    env: {
      PORT: String(portOf(name)),
      INSTANCE_ID: name,
      ADVERTISE_HOST: host,
      DATABASE_URL: databaseUrl(app),
      ...extraEnv,
      KAFKA_BROKERS: infra.kafka,
      REGISTRY_URLS: registryUrls,
      REGISTRY_TOKEN: secrets.registryToken,
    },
  });
  const gateway = {
    name: 'gateway',
    app: 'gateway',
    tier: 2,
    env: {
      PORT: String(portOf('gateway')),
      INSTANCE_ID: 'gateway',
      // The gateway registers itself too (its console lists gateways), so it says where it is reachable.
      ADVERTISE_HOST: host,
      REDIS_URL: `redis://${infra.redis}`,
      REGISTRY_URLS: registryUrls,
      REGISTRY_TOKEN: secrets.registryToken,
      ADMIN_TOKEN: secrets.adminToken,
    },
  };

  return [
    ...registryNames.map(registry),
    service('order-1', 'order', { REDIS_URL: `redis://${infra.redis}` }),
    service('order-2', 'order', { REDIS_URL: `redis://${infra.redis}` }),
    service('inventory', 'inventory', {}),
    service('payment', 'payment', {}),
    gateway,
  ].map((p) => ({
    ...p,
    // V8's memory bounds (deploy/node-memory.js), the same for every process.
    env: { ...p.env, NODE_OPTIONS: NODE_MEMORY_OPTIONS },
    port: portOf(p.name),
    command: 'node',
    args: [`dist/apps/${p.app}/main.js`],
    cwd: rootDir,
    healthUrl: `${urlOf(p.name)}/health`,
  }));
}

module.exports = { PORTS, stackProcesses };
