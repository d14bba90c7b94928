/**
 * The proxied part of the gateway's URL space: `/api/<route>/...` goes to the service of `<route>`, which sees
 * the path without `/api` (`/api/orders/42` reaches order as `/orders/42`).
 */
export const API_PREFIX = '/api/';

/**
 * The operators' admin API of the contract: it is the console's (apps/console), and the gateway forwards
 * `/gateway/admin/<rest>` as `/api/console/admin/<rest>` through the same sign-in check and proxy, so scripts
 * and runbooks keep the contract's path while the console stays a service like any other. It has that one
 * address: `/api/console/admin/*` asked directly is 404 (it would skip the admin API's rate limit).
 */
export const ADMIN_API_PREFIX = '/gateway/admin/';
const CONSOLE_ADMIN_PREFIX = '/api/console/admin/';

/** `/gateway/admin/demo/reset` → `/api/console/admin/demo/reset`. */
export function consoleAdminUrlOf(url: string): string {
  return CONSOLE_ADMIN_PREFIX + url.slice(ADMIN_API_PREFIX.length);
}

/** Whether a proxied URL is the admin API's (where a machine's ADMIN_TOKEN is honoured: identity/edge-auth.ts). */
export function isAdminPath(path: string): boolean {
  return path.startsWith(CONSOLE_ADMIN_PREFIX);
}

/** `/api/orders/42` → `orders`: the first segment after the prefix, the key of the route table. */
export function routeKeyOf(path: string): string {
  const slash = path.indexOf('/', API_PREFIX.length);
  return slash < 0 ? path.slice(API_PREFIX.length) : path.slice(API_PREFIX.length, slash);
}

/** `/api/orders/42?x=1` → `/orders/42?x=1`: what the upstream is asked for. */
export function upstreamPathOf(url: string): string {
  return url.slice(API_PREFIX.length - 1);
}
