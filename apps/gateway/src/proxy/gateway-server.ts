import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { acceptOrCreateRequestId } from '@shop/common';
import { RateLimitEngine } from '@shop/rate-limit';
import { GatewayLiveConfig } from '../config/gateway-live-config';
import type { GatewayConfig } from '../gateway.config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { EdgeAuth } from '../identity/edge-auth';
import { observeProxied } from '../observability/proxy-observer';
import { findPublicDir, registerStaticFiles } from '../static/static-files';
import { limitAdminRequest } from './admin-rate-limit';
import { ADMIN_API_PREFIX, API_PREFIX, consoleAdminUrlOf, isAdminPath } from './api-path';
import { sendError } from './gateway-errors';
import { ProxyHandler } from './proxy.handler';
import { ProxyStats } from './proxy.stats';
import { TrustedProxies } from './request-guard';

/**
 * Puts the proxy in front of Fastify on the raw server: `/api/...` never enters Fastify's or Nest's
 * per-request machinery (hooks, request/reply objects, guards, pipes, interceptors); the contract's admin API
 * `/gateway/admin/*` takes the same path to the console service (api-path.ts); everything else (status,
 * series, health, metrics, static files) goes to Fastify as usual.
 */
@Injectable()
export class GatewayServer {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GatewayLiveConfig) private readonly live: GatewayLiveConfig,
    @Inject(ProxyHandler) private readonly proxy: ProxyHandler,
    @Inject(EdgeAuth) private readonly auth: EdgeAuth,
    @Inject(RateLimitEngine) private readonly limits: RateLimitEngine,
    @Inject(TrustedProxies) private readonly trusted: TrustedProxies,
    @Inject(ProxyStats) private readonly stats: ProxyStats,
  ) {}

  /** Before Nest registers its routes and before the server listens (main.ts: bootstrapApp's beforeListen). */
  attach(fastify: FastifyInstance): void {
    const server = fastify.server;
    const fastifyHandlers = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
    if (fastifyHandlers.length !== 1) throw new Error(`expected Fastify's one request listener, found ${fastifyHandlers.length}`);
    const [toFastify] = fastifyHandlers as [(req: IncomingMessage, res: ServerResponse) => void];
    server.removeAllListeners('request');
    const proxy = this.proxy;
    const routes = this.live.routes;
    const isRoute = (prefix: string) => routes.get().has(prefix);
    const auth = this.auth;
    const adminLimits = { limits: this.limits, trusted: this.trusted, stats: this.stats };
    const refuse = (res: ServerResponse, r: { status: number; code: 'unauthorized'; message: string }, requestId: string) =>
      proxy.refuse(res, r.status, r.code, r.message, requestId, { headers: ['www-authenticate', 'Bearer'] });
    const proxied = (req: IncomingMessage, res: ServerResponse) => observeProxied(req, res, isRoute, () => auth.admit(req, res, () => proxy.handle(req, res), refuse));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const url = req.url;
      if (url !== undefined && url.startsWith(API_PREFIX)) {
        if (!isAdminPath(url)) proxied(req, res);
        else sendError(res, 404, 'not_found', 'the admin API is /gateway/admin/*', acceptOrCreateRequestId(req.headers['x-request-id']));
      } else if (url !== undefined && url.startsWith(ADMIN_API_PREFIX)) {
        limitAdminRequest(req, res, adminLimits, () => {
          req.url = consoleAdminUrlOf(url);
          proxied(req, res);
        });
      } else toFastify(req, res);
    });
    registerStaticFiles(fastify, findPublicDir(this.config.publicDir));
  }
}
