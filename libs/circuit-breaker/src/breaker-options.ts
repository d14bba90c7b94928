import { DEFAULT_BREAKER_OPTIONS } from '@shop/contracts';
import type { BreakerOptions } from '@shop/contracts';

// A breaker's options and the seed's numbers (DEFAULT_BREAKER_OPTIONS) are declared in @shop/contracts, shared with
// the console that offers them as the starting point of `config/gateway/breakers`; here are their bounds and parsing.

const BOUNDS: Record<keyof BreakerOptions, [number, number]> = {
  timeout: [1, 600_000],
  errorThresholdPercentage: [1, 100],
  rollingCountTimeout: [100, 600_000],
  volumeThreshold: [1, 1_000_000],
  resetTimeout: [100, 600_000],
  slowCallMs: [1, 600_000],
  slowCallRateThreshold: [1, 100],
  slowCallWindowMs: [100, 600_000],
  slowCallMinCalls: [1, 1_000_000],
};

/** Validates a partial set of options over `base`; throws an Error naming the first bad field. */
export function parseBreakerOptions(raw: unknown, base: Readonly<BreakerOptions> = DEFAULT_BREAKER_OPTIONS, at = 'breaker'): BreakerOptions {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${at}: expected an object`);
  const out: BreakerOptions = { ...base };
  for (const [field, value] of Object.entries(raw)) {
    const bounds = BOUNDS[field as keyof BreakerOptions];
    if (!bounds) throw new Error(`${at}.${field}: unknown option (expected one of ${Object.keys(BOUNDS).join(', ')})`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < bounds[0] || value > bounds[1]) {
      throw new Error(`${at}.${field}: expected an integer in [${bounds[0]}, ${bounds[1]}]`);
    }
    out[field as keyof BreakerOptions] = value;
  }
  return out;
}

/** `config/gateway/breakers`: `{ "default": {...}, "<service>": {...overrides} }`, every field optional. */
export interface BreakersConfig {
  default: BreakerOptions;
  services: Readonly<Record<string, BreakerOptions>>;
}

export const DEFAULT_BREAKERS_CONFIG: BreakersConfig = { default: DEFAULT_BREAKER_OPTIONS, services: {} };

export function parseBreakersConfig(raw: unknown): BreakersConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('breakers: expected an object');
  const entries = Object.entries(raw as Record<string, unknown>);
  const defaults = parseBreakerOptions((raw as Record<string, unknown>).default ?? {}, DEFAULT_BREAKER_OPTIONS, 'breakers.default');
  const services: Record<string, BreakerOptions> = {};
  for (const [name, value] of entries) {
    if (name === 'default') continue;
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(name)) throw new Error(`breakers.${name}: expected a service name`);
    services[name] = parseBreakerOptions(value, defaults, `breakers.${name}`);
  }
  return { default: defaults, services };
}

export function optionsFor(config: BreakersConfig, service: string): BreakerOptions {
  return config.services[service] ?? config.default;
}
