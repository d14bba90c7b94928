'use strict';
// The ONE definition of the processes of `npm run stack` (docs/architecture.md): three registry
// nodes, two gateways on one port, two order instances, inventory, payment, identity and the console, each with the command and the
// environment variables of the contract. scripts/stack.mjs runs it, end-to-end tests start the same list through
// stackProcesses(), and test/topology-drift.e2e-spec.ts fails when docker-compose.yml drifts away from it.
//
// CommonJS with a .d.ts beside it so that both the ESM script and jest's CommonJS tests can load it as is.
const path = require('node:path');
const { kafkaPassword, serviceRegistryToken } = require('./secrets');
const { observabilityEnv } = require('./observability-env');
const { NODE_MEMORY_OPTIONS } = require('./node-memory');
const { PARTITIONS_CONSUMED_CONCURRENTLY } = require('./kafka-partitions');

const REPO_ROOT = path.resolve(__dirname, '..');

/** Local ports of the contract; the names are also the docker-compose.yml service names. */
const PORTS = Object.freeze({
  'registry-1': 7001,
  'registry-2': 7002,
  'registry-3': 7003,
  // Both gateways listen on 8080 together (SO_REUSEPORT): a client never sees one of them restart.
  // Each also has a port of its own, where the supervisor probes that one process (INSTANCE_PORT).
  gateway: 8080,
  'gateway-1': 8081,
  'gateway-2': 8082,
  'order-1': 3001,
  'order-2': 3011,
  inventory: 3002,
  payment: 3003,
  identity: 3004,
  console: 3005,
});


/**
 * Node.js flags of each app, on its command line (V8 flags are refused in NODE_OPTIONS, so the deployment
 * passes them as arguments; docker-compose.yml, deploy/k8s and deploy/Dockerfile carry the same). Node's CLI
 * docs list the few V8 options NODE_OPTIONS allows (https://nodejs.org/api/cli.html#node_optionsoptions); for any
 * other, Node 24 exits at start: "node: --no-allocation-site-pretenuring is not allowed in NODE_OPTIONS".
 * The gateway runs without V8's allocation-site pretenuring: early in its life V8 sees the objects of a few
 * allocation sites that every proxied request goes through (Node's IncomingMessage, undici's request headers,
 * the proxy's exchange) survive, and from then on allocates each request's short-lived objects straight in the
 * old generation, which grows by several MB a second until a full mark-compact, with a page fault for every
 * fresh page. Measured under wrk (64 connections, no rate limits): 7x fewer page faults and about 10 % less CPU
 * per request without it (docs/gateway.md). Objects are still promoted the ordinary way, after two scavenges.
 */
const NODE_FLAGS = Object.freeze({
  gateway: Object.freeze(['--no-allocation-site-pretenuring']),
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
  const secrets = { registryToken: '', raftSecret: '', adminToken: '', registryServiceKey: '', kafkaCredentialKey: '', operatorPassword: '', ...options.secrets };
  // Each app's own credentials (docs/security.md): its registry token (the operator's only where no service key
  // is given), and its Kafka user when a credential key is given (no key: no SASL, for a plaintext broker).
  const registryTokenOf = (app) => (secrets.registryServiceKey ? serviceRegistryToken(secrets.registryServiceKey, app) : secrets.registryToken);
  const kafkaUserOf = (app) => ({ KAFKA_USERNAME: app, KAFKA_PASSWORD: secrets.kafkaCredentialKey ? kafkaPassword(secrets.kafkaCredentialKey, app) : '' });
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
      REGISTRY_SERVICE_KEY: secrets.registryServiceKey,
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
      // How many of its partitions an instance handles at once (deploy/kafka-partitions.js).
      KAFKA_PARTITIONS_CONCURRENTLY: String(PARTITIONS_CONSUMED_CONCURRENTLY),
      ...kafkaUserOf(app),
      REGISTRY_URLS: registryUrls,
      REGISTRY_TOKEN: registryTokenOf(app),
    },
  });
  const gateway = (name) => ({
    name,
    app: 'gateway',
    tier: 2,
    env: {
      PORT: String(portOf('gateway')),
      INSTANCE_PORT: String(portOf(name)),
      INSTANCE_ID: name,
      // The gateway registers itself too (its console lists gateways), so it says where it is reachable.
      ADVERTISE_HOST: host,
      REDIS_URL: `redis://${infra.redis}`,
      REGISTRY_URLS: registryUrls,
      REGISTRY_TOKEN: registryTokenOf('gateway'),
      // A machine's token for the admin API /gateway/admin/*, which the gateway forwards to the console.
      ADMIN_TOKEN: secrets.adminToken,
    },
  });

  return [
    ...registryNames.map(registry),
    service('order-1', 'order', { REDIS_URL: `redis://${infra.redis}` }),
    service('order-2', 'order', { REDIS_URL: `redis://${infra.redis}` }),
    service('inventory', 'inventory', {}),
    service('payment', 'payment', {}),
    // Sign-in (docs/security.md): alone holds the access tokens' signing key; no database, Redis for sessions.
    {
      name: 'identity',
      app: 'identity',
      tier: 1,
      env: {
        PORT: String(portOf('identity')),
        INSTANCE_ID: 'identity',
        ADVERTISE_HOST: host,
        REDIS_URL: `redis://${infra.redis}`,
        REGISTRY_URLS: registryUrls,
        REGISTRY_TOKEN: registryTokenOf('identity'),
        // The local stack is a demo: its customers sign in with the README's password unless told otherwise.
        DEMO_CUSTOMER_PASSWORD: options.demoCustomerPassword ?? 'shop-demo',
        OPERATOR_PASSWORD: secrets.operatorPassword,
      },
    },
    // The operations console's backend (apps/console): reached through the gateway, optional to the shop.
    {
      name: 'console',
      app: 'console',
      tier: 1,
      env: {
        PORT: String(portOf('console')),
        INSTANCE_ID: 'console',
        ADVERTISE_HOST: host,
        REGISTRY_URLS: registryUrls,
        REGISTRY_TOKEN: registryTokenOf('console'),
        // Config writes (any service's config/) and its proof key in config/gateway/ are an operator's: docs/security.md.
        REGISTRY_OPERATOR_TOKEN: secrets.registryToken,
      },
    },
    gateway('gateway-1'),
    gateway('gateway-2'),
  ].map((p) => ({
    ...p,
    // Only the loopback interface for a stack on one machine (containers bind 0.0.0.0: docs/deployment.md); V8's
    // memory bounds (deploy/node-memory.js), the same for every process.
    env: { BIND_HOST: host, ...p.env, ...observabilityEnv(p.app), NODE_OPTIONS: NODE_MEMORY_OPTIONS },
    // A gateway's PORT is the shared one; its health is probed on its own INSTANCE_PORT.
    port: Number(p.env.PORT),
    command: 'node',
    nodeFlags: [...(NODE_FLAGS[p.app] ?? [])],
    args: [...(NODE_FLAGS[p.app] ?? []), `dist/apps/${p.app}/main.js`],
    cwd: rootDir,
    healthUrl: `${urlOf(p.name)}/health`,
  }));
}

module.exports = { PORTS, NODE_FLAGS, stackProcesses };
