import type { IncomingMessage, ServerResponse } from 'node:http';
import { ACCESS_TOKEN, ADMIN_TOKEN_CALLER, bearerToken, Principal, principalOf, ProofMinter, TokenRefused, TokenVerifier } from '@shop/auth';
import { acceptOrCreateRequestId, JsonLogger } from '@shop/common';
import { isAdminPath } from '../proxy/api-path';
import { pathProblem } from '../proxy/request-guard';
import type { RouteTable } from '@shop/contracts';
import { isPublic } from './public-paths';


/** The JWT `typ` of identity's access tokens. */
export const ACCESS_TOKEN_TYP = 'at+jwt';
const ANONYMOUS: Principal = { subject: 'anonymous', role: 'anonymous' };
/** Bound on tokens remembered as verified; beyond it the cache starts over. */
const MAX_VERIFIED = 10_000;
/** The methods the proxy serves (any other is its 405, answered before a sign-in is asked for). */
const PROXIED_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE']);
/** Headers a client may not set: the gateway alone says who the caller is. */
const STRIPPED = new Set(['authorization', 'x-customer-id']);

interface Verified {
  principal: Principal;
  expiresAtMs: number;
}

export interface Refusal {
  status: 401;
  code: 'unauthorized';
  message: string;
}

/**
 * The gateway's half of identity: every /api/ request but the public ones (public-paths.ts) must carry a
 * customer's or operator's access token, verified here without a network call (TokenVerifier: keys from
 * `config/identity/jwks`, pushed by the config center). Then the client's Authorization is replaced by the
 * gateway's proof for the routed service (ProofMinter), which is all a service believes. A verified token is
 * remembered until it expires (keyed by the token itself, so nothing but that exact token can hit it), so the
 * signature is checked once per token, not once per request.
 */
export class EdgeAuth {
  private readonly verified = new Map<string, Verified>();

  constructor(
    readonly access: TokenVerifier,
    readonly proofs: ProofMinter,
    private readonly routes: () => RouteTable,
    private readonly logger: JsonLogger,
    onKeysChange: (cb: () => void) => void,
    /** Whether an Authorization header is the admin API's static ADMIN_TOKEN (for machines). */
    private readonly isAdminToken: (authorization: string | undefined) => boolean = () => false,
  ) {
    // A key that left the JWKS must stop admitting its tokens at once.
    onKeysChange(() => this.verified.clear());
  }

  /** The caller an Authorization header proves, or a refusal. */
  principal(authorization: string | undefined, now = Date.now()): Principal | Refusal | Promise<Principal | Refusal> {
    const token = bearerToken(authorization);
    if (token === undefined) return refusal('sign in first: Authorization: Bearer <accessToken>');
    const hit = this.verified.get(token);
    if (hit !== undefined && hit.expiresAtMs > now) return hit.principal;
    return this.verifyUncached(token);
  }

  private async verifyUncached(token: string): Promise<Principal | Refusal> {
    try {
      const claims = await this.access.verify(token);
      const principal = principalOf(claims);
      if (principal.role !== 'customer' && principal.role !== 'operator') throw new TokenRefused(`role ${principal.role} cannot sign in`);
      if (this.verified.size >= MAX_VERIFIED) this.verified.clear();
      this.verified.set(token, { principal, expiresAtMs: (claims.exp ?? 0) * 1000 });
      return principal;
    } catch (error) {
      if (!(error instanceof TokenRefused)) throw error;
      this.logger.event('warn', 'access token refused', { reason: error.message });
      return refusal('invalid or expired access token');
    }
  }

  /**
   * Admits one /api/ request (calls `forward`) with the caller's proof in place of its Authorization, or
   * answers 401 through `refuse`. An unknown route goes on untouched: the proxy answers it 404.
   */
  admit(req: IncomingMessage, res: ServerResponse, forward: () => void, refuse: (res: ServerResponse, r: Refusal, requestId: string) => void): void {
    const url = req.url!;
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const slash = path.indexOf('/', 5);
    const route = this.routes().get(slash < 0 ? path.slice(5) : path.slice(5, slash));
    // A request the proxy refuses anyway (unknown route 404, bad path 400, method 405, no Host 400) gets that
    // answer, not 401: it goes on untouched, and never reaches a service.
    if (route === undefined || pathProblem(path) !== undefined || !PROXIED_METHODS.has(req.method ?? '')) return forward();
    if (req.httpVersionMinor >= 1 && headerOf(req.rawHeaders, 'host') === undefined) return forward();
    const authorization = headerOf(req.rawHeaders, 'authorization');
    const answer = isPublic(req.method ?? '', path)
      ? ANONYMOUS
      : isAdminPath(path) && this.isAdminToken(authorization)
        ? ADMIN_TOKEN_CALLER
        : this.principal(authorization);
    const proceed = (caller: Principal | Refusal): void => {
      if ('code' in caller) return refuse(res, caller, acceptOrCreateRequestId(headerOf(req.rawHeaders, 'x-request-id')));
      const proof = this.proofs.proofFor(caller, route.service);
      if (typeof proof === 'string') return this.forwardWith(req, caller, proof, forward);
      proof.then(
        (token) => this.forwardWith(req, caller, token, forward),
        (error: unknown) => {
          this.logger.event('error', 'could not mint a gateway proof', { error: String(error) });
          res.destroy();
        },
      );
    };
    if (answer instanceof Promise) {
      answer.then(proceed, (error: unknown) => {
        this.logger.event('error', 'access token check failed', { error: String(error) });
        res.destroy();
      });
    } else proceed(answer);
  }

  private forwardWith(req: IncomingMessage, caller: Principal, proof: string, forward: () => void): void {
    if (req.destroyed) return;
    const raw = req.rawHeaders;
    const out: string[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      if (!STRIPPED.has(raw[i]!.toLowerCase())) out.push(raw[i]!, raw[i + 1]!);
    }
    out.push('authorization', `Bearer ${proof}`);
    // Rate limit policies keyed by customer read this header: now it is the signed-in customer, not a claim.
    if (caller.role === 'customer') out.push('x-customer-id', caller.subject);
    req.rawHeaders = out;
    forward();
  }
}

export const refusal = (message: string): Refusal => ({ status: 401, code: 'unauthorized', message });

export const ACCESS_VERIFIER_OPTIONS = { issuer: ACCESS_TOKEN.issuer, audience: ACCESS_TOKEN.audience, typ: ACCESS_TOKEN_TYP };

function headerOf(raw: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === lowerName) return raw[i + 1];
  return undefined;
}
