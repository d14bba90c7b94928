/**
 * The public API that needs no sign-in: the catalog (read-only) and the identity calls that lead to a token.
 * Everything else under /api/ needs `Authorization: Bearer <accessToken>`.
 */
const AUTH_OPEN = new Set(['/api/auth/sign-in', '/api/auth/refresh', '/api/auth/sign-out']);

export function isPublic(method: string, path: string): boolean {
  if (method === 'GET' || method === 'HEAD') return path === '/api/products' || path.startsWith('/api/products/');
  return method === 'POST' && AUTH_OPEN.has(path);
}
