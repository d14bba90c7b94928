import { BreakersConfig, DEFAULT_BREAKERS_CONFIG, parseBreakersConfig } from '@shop/circuit-breaker';
import { DEFAULT_ROUTES, CONFIG_KEYS, parseRoutes, RouteTable } from '@shop/contracts';
import { parseRateLimitPolicies, RateLimitPolicy } from '@shop/rate-limit';
import type { DiscoverySource, LiveConfig } from '../discovery/discovery.source';

/**
 * A generous per-IP token bucket on the whole API until `config/gateway/rate-limits` says otherwise; with
 * Redis down it limits in memory rather than failing open.
 */
export const DEFAULT_RATE_LIMITS: RateLimitPolicy[] = parseRateLimitPolicies([
  { name: 'api-per-ip', algorithm: 'token-bucket', match: { pathPrefix: '/api/' }, key: 'ip', capacity: 200, refillPerSec: 100, onRedisError: 'local' },
  // The console's reads fan out to every service or registry node (apps/console).
  { name: 'console-per-ip', algorithm: 'token-bucket', match: { pathPrefix: '/api/console/' }, key: 'ip', capacity: 30, refillPerSec: 5, onRedisError: 'local' },
  // Sign-in and refresh: a password check costs identity ~0.1 s of scrypt, and guessing is what it would be for.
  { name: 'sign-in-per-ip', algorithm: 'token-bucket', match: { pathPrefix: '/api/auth/' }, key: 'ip', capacity: 120, refillPerSec: 5, onRedisError: 'local' },
  // Config writes, demo resets, and a bearer token someone could try to guess (proxy/admin-rate-limit.ts).
  { name: 'admin-per-ip', algorithm: 'token-bucket', match: { pathPrefix: '/gateway/admin/' }, key: 'ip', capacity: 10, refillPerSec: 1, onRedisError: 'local' },
]);

/** The config center keys the gateway follows, each parsed and pushed (defaults until the key exists). */
export class GatewayLiveConfig {
  readonly routes: LiveConfig<RouteTable>;
  readonly rateLimits: LiveConfig<RateLimitPolicy[]>;
  readonly breakers: LiveConfig<BreakersConfig>;

  constructor(discovery: DiscoverySource) {
    this.routes = discovery.watchConfig(CONFIG_KEYS.gateway.routes, parseRoutes, DEFAULT_ROUTES);
    this.rateLimits = discovery.watchConfig(CONFIG_KEYS.gateway.rateLimits, parseRateLimitPolicies, DEFAULT_RATE_LIMITS);
    this.breakers = discovery.watchConfig(CONFIG_KEYS.gateway.breakers, parseBreakersConfig, DEFAULT_BREAKERS_CONFIG);
  }
}
