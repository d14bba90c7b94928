/** Injection tokens of the gateway's values that are not classes (gateway.providers.ts provides them). */
export const GATEWAY_CONFIG = Symbol('GatewayConfig');
export const DISCOVERY = Symbol('DiscoverySource');
export const RATE_LIMIT_REDIS = Symbol('RateLimitRedis');
export const GATEWAY_LOGGER = Symbol('GatewayLogger');
