import { ConfigError, EnvReader, loadConfigOrExit } from '@shop/common';

export interface RegistryConfig {
  port: number;
  /** This node's id: one of `peers`' keys. */
  nodeId: string;
  /** Every member, this node included: id -> base URL (peer RPC and write forwarding). */
  peers: Record<string, string>;
  dataDir: string;
  raftSecret: string;
  /** The operator's bearer token of the client API (required): may do anything. */
  token: string;
  /** Key from which each service's own credential is derived (access/service-credentials.ts); empty: none. */
  serviceKey: string;
  /** Raft tick; elections time out after 10 to 20 ticks. */
  tickMs: number;
  /** How long a write may wait to commit before the client gets 504. */
  proposeTimeoutMs: number;
  /** Entries applied between two snapshots (then the log is compacted). */
  snapshotEvery: number;
}

export function readRegistryConfig(env: EnvReader): RegistryConfig {
  const config: RegistryConfig = {
    port: env.int('PORT', { default: 7001, min: 1, max: 65535 }),
    nodeId: env.string('REGISTRY_NODE_ID'),
    peers: env.map('REGISTRY_PEERS'),
    dataDir: env.string('REGISTRY_DATA_DIR'),
    raftSecret: env.string('RAFT_SECRET'),
    // Required: a registry without a token would let anyone rewrite routes, limits and breakers.
    token: env.string('REGISTRY_TOKEN'),
    // Optional so that a registry of an older deployment keeps working with the operator token alone.
    serviceKey: env.string('REGISTRY_SERVICE_KEY', { default: '' }),
    tickMs: env.int('REGISTRY_TICK_MS', { default: 100, min: 10, max: 1000 }),
    proposeTimeoutMs: env.int('REGISTRY_PROPOSE_TIMEOUT_MS', { default: 5000, min: 100, max: 60_000 }),
    snapshotEvery: env.int('REGISTRY_SNAPSHOT_EVERY', { default: 10_000, min: 10, max: 10_000_000 }),
  };
  if (config.serviceKey !== '' && config.serviceKey.length < 16) throw new ConfigError(['REGISTRY_SERVICE_KEY must be at least 16 characters']);
  for (const [id, url] of Object.entries(config.peers)) {
    if (!/^https?:\/\/[^/]+\/?$/.test(url)) throw new ConfigError([`REGISTRY_PEERS: ${id}=${url} is not a base URL (http://host:port)`]);
    config.peers[id] = url.replace(/\/$/, '');
  }
  if (config.nodeId && Object.keys(config.peers).length > 0 && !(config.nodeId in config.peers)) {
    throw new ConfigError([`REGISTRY_NODE_ID=${config.nodeId} is not one of REGISTRY_PEERS (${Object.keys(config.peers).join(', ')})`]);
  }
  return config;
}

export const loadRegistryConfig = (): RegistryConfig => loadConfigOrExit('registry', readRegistryConfig);
