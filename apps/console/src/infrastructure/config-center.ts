import { parseBreakersConfig } from '@shop/circuit-breaker';
import { CONFIG_KEYS, parseRoutes } from '@shop/contracts';
import { parseRateLimitPolicies } from '@shop/rate-limit';
import { RegistryClient } from '@shop/registry-client';

/**
 * The gateway's own keys are checked by the parsers the gateway applies them with, so that an invalid value is
 * refused (400) before it reaches the registry, not logged and ignored by every gateway after it.
 */
export const CONFIG_PARSERS: Readonly<Record<string, (raw: unknown) => unknown>> = {
  [CONFIG_KEYS.gateway.routes]: parseRoutes,
  [CONFIG_KEYS.gateway.rateLimits]: parseRateLimitPolicies,
  [CONFIG_KEYS.gateway.breakers]: parseBreakersConfig,
};

/** The registry client that holds the operator's credential (console.module.ts). */
export class OperatorRegistry {
  constructor(readonly client: RegistryClient) {}
}
