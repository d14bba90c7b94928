import type { IncomingMessage, ServerResponse } from 'node:http';
import { acceptOrCreateRequestId } from '@shop/common';
import type { RateLimitEngine } from '@shop/rate-limit';
import { sendError } from './gateway-errors';
import type { ProxyStats } from './proxy.stats';
import { refusalFor } from './rate-limit-answer';
import type { TrustedProxies } from './request-guard';

/**
 * The admin API (`/gateway/admin/*`: config writes, demo resets, and a bearer token someone could try to guess)
 * is rate limited by its path BEFORE the sign-in check, so that guesses are limited too (`admin-per-ip`); then
 * it goes on to the console through the proxy (proxy/api-path.ts), where the policies of its `/api/console/`
 * path apply as to any request. `next` forwards it when admitted.
 */
export function limitAdminRequest(
  req: IncomingMessage,
  res: ServerResponse,
  deps: { limits: RateLimitEngine; trusted: TrustedProxies; stats: ProxyStats },
  next: () => void,
): void {
  const url = req.url!;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const forwardedFor = req.headers['x-forwarded-for'];
  const ip = deps.trusted.clientIp(req.socket.remoteAddress ?? '', Array.isArray(forwardedFor) ? forwardedFor.join(', ') : forwardedFor);
  const requestId = acceptOrCreateRequestId(req.headers['x-request-id']);
  const refuse = (status: number, code: 'rate_limited' | 'rate_limiter_unavailable' | 'bad_request', message: string, headers?: string[]) => {
    deps.stats.count(code);
    sendError(res, status, code, message, requestId, { headers });
  };
  if (ip === undefined) return refuse(400, 'bad_request', 'malformed X-Forwarded-For from a trusted proxy');
  const decide = (v: Parameters<typeof refusalFor>[0]) => {
    const refusal = refusalFor(v);
    if (refusal !== undefined) return refuse(refusal.status, refusal.code as 'rate_limited', refusal.message, refusal.headers);
    if (v.delayMs > 0) setTimeout(next, v.delayMs);
    else next();
  };
  const verdict = deps.limits.check(req.method!, path, { ip, customer: undefined });
  if (verdict === undefined) return next();
  if (!(verdict instanceof Promise)) return decide(verdict);
  verdict.then(decide, (error: Error) => refuse(503, 'rate_limiter_unavailable', error.message, ['retry-after', '1']));
}
