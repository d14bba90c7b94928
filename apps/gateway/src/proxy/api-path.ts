/**
 * The proxied part of the gateway's URL space: `/api/<route>/...` goes to the service of `<route>`, which sees
 * the path without `/api` (`/api/orders/42` reaches order as `/orders/42`).
 */
export const API_PREFIX = '/api/';

/** `/api/orders/42` → `orders`: the first segment after the prefix, the key of the route table. */
export function routeKeyOf(path: string): string {
  const slash = path.indexOf('/', API_PREFIX.length);
  return slash < 0 ? path.slice(API_PREFIX.length) : path.slice(API_PREFIX.length, slash);
}

/** `/api/orders/42?x=1` → `/orders/42?x=1`: what the upstream is asked for. */
export function upstreamPathOf(url: string): string {
  return url.slice(API_PREFIX.length - 1);
}
