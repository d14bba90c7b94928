import { hostname } from 'node:os';
import { ConfigError, EnvReader, loadConfigOrExit } from '@shop/common';

export interface GatewayConfig {
  port: number;
  /**
   * A port of this process alone (0: none). PORT is shared: gateways listen on it together (SO_REUSEPORT), so
   * a probe of one process's /health goes here (docs/resilience.md, "Restarting the gateway").
   */
  instancePort: number;
  instanceId: string;
  /** Address the gateway registers itself under (the console lists gateways too). */
  advertiseHost: string;
  redisUrl: string;
  registryUrls: string[];
  /** The gateway's own registry credential. */
  registryToken: string;
  /**
   * The admin API's static token for machines: on `/gateway/admin/*` the gateway vouches for its holder to the
   * console (ADMIN_TOKEN_CALLER); empty: only operators' access tokens open the admin API.
   */
  adminToken: string;
  /** Addresses or IPv4 CIDR blocks whose X-Forwarded-For is believed. */
  trustedProxies: string[];
  /** A JSON file instead of the registry, for runs without one (tests, benchmark); see FileDiscovery. */
  discoveryFile: string | undefined;
  /** Where the browser app's built files are (apps/web, built by `npm run build:ui`); default: dist/apps/web/public. */
  publicDir: string | undefined;
  /** Connections per upstream instance (undici pool bound). */
  upstreamConnections: number;
  /** A request body must arrive whole within this long, else 408 (docs/gateway.md, "Bounds"). */
  bodyTimeoutMs: number;
  /** Requests one client address may have in flight through the proxy, else 429. */
  maxRequestsPerClient: number;
}

export function readGatewayConfig(env: EnvReader): GatewayConfig {
  const port = env.int('PORT', { default: 8080, min: 1, max: 65535 });
  const discoveryFile = env.string('DISCOVERY_FILE', { default: '' }) || undefined;
  const registryUrls = env.list('REGISTRY_URLS', { default: [], urls: true });
  const config: GatewayConfig = {
    port,
    instancePort: env.int('INSTANCE_PORT', { default: 0, min: 0, max: 65535 }),
    instanceId: env.string('INSTANCE_ID', { default: `gateway-${hostname()}-${port}` }),
    advertiseHost: env.string('ADVERTISE_HOST', { default: '127.0.0.1' }),
    redisUrl: env.url('REDIS_URL', { default: 'redis://127.0.0.1:6379', protocols: ['redis:', 'rediss:'] }),
    registryUrls,
    registryToken: env.string('REGISTRY_TOKEN', { default: '' }),
    adminToken: env.string('ADMIN_TOKEN'),
    trustedProxies: env.list('TRUSTED_PROXIES', { default: [] }),
    discoveryFile,
    publicDir: env.string('GATEWAY_PUBLIC_DIR', { default: '' }) || undefined,
    upstreamConnections: env.int('GATEWAY_UPSTREAM_CONNECTIONS', { default: 64, min: 1, max: 4096 }),
    bodyTimeoutMs: env.int('GATEWAY_BODY_TIMEOUT_MS', { default: 10_000, min: 100, max: 300_000 }),
    maxRequestsPerClient: env.int('GATEWAY_MAX_REQUESTS_PER_CLIENT', { default: 100, min: 1, max: 100_000 }),
  };
  if (!discoveryFile && registryUrls.length === 0) {
    throw new ConfigError(['REGISTRY_URLS is required (or DISCOVERY_FILE for a run without a registry)']);
  }
  if (registryUrls.length > 0 && !config.registryToken) throw new ConfigError(['REGISTRY_TOKEN is required with REGISTRY_URLS']);
  if (config.adminToken.length > 0 && config.adminToken.length < 8) throw new ConfigError(['ADMIN_TOKEN must be at least 8 characters']);
  return config;
}

export const loadGatewayConfig = (): GatewayConfig => loadConfigOrExit('gateway', readGatewayConfig);
