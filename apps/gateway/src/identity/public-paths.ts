/**
 * The public API that needs no sign-in: the catalog (read-only), the identity calls that lead to a token, and
 * the console's status panels (registry cluster, outboxes: no customer data). Everything else under /api/
 * needs `Authorization: Bearer <accessToken>`.
 */
const AUTH_OPEN = new Set(['/api/auth/sign-in', '/api/auth/refresh', '/api/auth/sign-out']);
const CONSOLE_OPEN = new Set(['/api/console/cluster', '/api/console/outbox']);

export function isPublic(method: string, path: string): boolean {
  if (method === 'GET' || method === 'HEAD') return path === '/api/products' || path.startsWith('/api/products/') || CONSOLE_OPEN.has(path);
  return method === 'POST' && AUTH_OPEN.has(path);
}
