import type { IncomingMessage, ServerResponse } from 'node:http';
import { acceptOrCreateRequestId } from '@shop/common';
import type { RateLimitEngine } from '@shop/rate-limit';
import { sendError } from '../proxy/gateway-errors';
import type { ProxyStats } from '../proxy/proxy.stats';
import { refusalFor } from '../proxy/rate-limit-answer';
import type { TrustedProxies } from '../proxy/request-guard';

/**
 * The gateway's own endpoints that cost something per call go through the same rate limit engine and
 * policies as the API: the admin API (`/gateway/admin/`: config writes, and a token someone could try to
 * guess) and the console's reads that query every service's database or every registry node
 * (`/gateway/outbox`, `/gateway/sagas/`, `/gateway/cluster`). `/gateway/status` and `/gateway/series` answer
 * from memory and are left free for the console's once-a-second polling.
 */
const GUARDED = ['/gateway/admin/', '/gateway/outbox', '/gateway/sagas/', '/gateway/cluster'];

export function isRateLimitedConsolePath(url: string): boolean {
  for (const prefix of GUARDED) if (url.startsWith(prefix)) return true;
  return false;
}

/** Decides one such request; `next` serves it (Fastify) when admitted. */
export function limitConsoleRequest(
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
