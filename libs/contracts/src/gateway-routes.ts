/**
 * The gateway's routes (`config/gateway/routes`): the shape of a route, its parser and the contract's defaults,
 * shared by the gateway (which routes by them) and the console (which checks a new value before writing it).
 */
/** Load balancing strategy of one route (负载均衡). */
export type BalancerName = 'round-robin' | 'weighted' | 'least-outstanding';

export interface RouteTimeouts {
  /** TCP connect to the upstream instance. */
  connectMs: number;
  /** From sending the request to the upstream's response headers. */
  headersMs: number;
  /** Longest silence between two chunks of the upstream's response body. */
  bodyMs: number;
}

export interface Route {
  /** First path segment after /api: "products" routes /api/products and /api/products/... */
  prefix: string;
  service: string;
  balancer: BalancerName;
  timeouts: RouteTimeouts;
}

export type RouteTable = ReadonlyMap<string, Route>;

/**
 * A Map for the hot path's one lookup that still serializes as JSON: the config client compares parsed values
 * by their JSON to tell a change, and a plain Map would always look like {}.
 */
class RouteMap extends Map<string, Route> {
  toJSON(): Record<string, Route> {
    return Object.fromEntries(this);
  }
}

const DEFAULT_TIMEOUTS: RouteTimeouts = { connectMs: 1000, headersMs: 10_000, bodyMs: 30_000 };

/** The contract's routes; `config/gateway/routes` replaces them as a whole when present. */
export const DEFAULT_ROUTES_VALUE = {
  products: { service: 'inventory', balancer: 'round-robin' },
  orders: { service: 'order', balancer: 'least-outstanding' },
  payments: { service: 'payment', balancer: 'round-robin' },
  auth: { service: 'identity', balancer: 'round-robin' },
  // The operations console's backend (apps/console): cluster, outbox, saga timeline, admin actions.
  console: { service: 'console', balancer: 'round-robin' },
};

const SEGMENT = /^[a-z0-9][a-z0-9-]{0,62}$/;
const SERVICE = /^[a-z][a-z0-9-]{0,62}$/;
const BALANCERS: readonly BalancerName[] = ['round-robin', 'weighted', 'least-outstanding'];

/**
 * Parses `config/gateway/routes`:
 * `{"<prefix>": {"service": "...", "balancer": "round-robin|weighted|least-outstanding",
 *   "timeouts": {"connectMs", "headersMs", "bodyMs"}}}`. Throws on the first problem.
 */
export function parseRoutes(raw: unknown): RouteTable {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('routes: expected an object of prefix -> route');
  const table = new RouteMap();
  for (const [prefix, value] of Object.entries(raw)) {
    const at = `routes.${prefix}`;
    if (!SEGMENT.test(prefix)) throw new Error(`${at}: a prefix is one lower-case path segment`);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${at}: expected an object`);
    const r = value as Record<string, unknown>;
    if (typeof r.service !== 'string' || !SERVICE.test(r.service)) throw new Error(`${at}.service: expected a service name`);
    const balancer = r.balancer ?? 'round-robin';
    if (!BALANCERS.includes(balancer as BalancerName)) throw new Error(`${at}.balancer: expected one of ${BALANCERS.join(', ')}`);
    for (const field of Object.keys(r)) {
      if (!['service', 'balancer', 'timeouts'].includes(field)) throw new Error(`${at}.${field}: unknown field`);
    }
    table.set(prefix, { prefix, service: r.service, balancer: balancer as BalancerName, timeouts: parseTimeouts(r.timeouts, `${at}.timeouts`) });
  }
  return table;
}

function parseTimeouts(raw: unknown, at: string): RouteTimeouts {
  if (raw === undefined) return DEFAULT_TIMEOUTS;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${at}: expected an object`);
  const out = { ...DEFAULT_TIMEOUTS };
  for (const [field, value] of Object.entries(raw)) {
    if (!(field in DEFAULT_TIMEOUTS)) throw new Error(`${at}.${field}: unknown timeout`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 600_000) {
      throw new Error(`${at}.${field}: expected an integer in [1, 600000] ms`);
    }
    out[field as keyof RouteTimeouts] = value;
  }
  return out;
}

export const DEFAULT_ROUTES: RouteTable = parseRoutes(DEFAULT_ROUTES_VALUE);
