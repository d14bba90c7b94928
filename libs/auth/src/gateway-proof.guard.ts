import { CanActivate, createParamDecorator, DynamicModule, ExecutionContext, Global, Inject, Injectable, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiError, createLogger } from '@shop/common';
import { RegistryClient } from '@shop/registry-client';
import { bearerToken, principalOf } from './principal';
import { parsePublishedJwks } from './published-keys';
import { TokenVerifier } from './token-verifier';
import { GATEWAY_PROOF, GATEWAY_PROOF_JWKS_KEY, Principal } from './trust';

/** The JWT `typ` of the gateway's proof. */
export const GATEWAY_PROOF_TYP = 'gateway-proof+jwt';
/** Open to anyone who reaches the port: orchestrator probes and the metrics scraper (no customer data). */
const OPEN_PATHS = new Set(['/health', '/metrics']);
const PROOF_VERIFIER = Symbol('GatewayProofVerifier');

interface WithPrincipal {
  url?: string;
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
}

/**
 * A service trusts the gateway, not the network: every HTTP request but /health and /metrics must carry the
 * gateway's proof (`Authorization: Bearer <proof>`, minted per caller and service, `aud` = this service) or it
 * is answered 401. The proof's subject and role become the request's `@Caller()`. Kafka handlers are not HTTP
 * and pass (their trust is the broker's business).
 */
@Injectable()
export class GatewayProofGuard implements CanActivate {
  private readonly logger = createLogger('GatewayProofGuard');

  constructor(@Inject(PROOF_VERIFIER) private readonly verifier: TokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<WithPrincipal>();
    const path = (req.url ?? '').split('?')[0]!;
    if (OPEN_PATHS.has(path)) return true;
    const header = req.headers['authorization'];
    const token = bearerToken(typeof header === 'string' ? header : undefined);
    if (token === undefined) throw new ApiError(401, 'unauthorized', 'this service answers only requests that come through the gateway');
    try {
      req.principal = principalOf(await this.verifier.verify(token));
    } catch (error) {
      this.logger.event('warn', 'request without a valid gateway proof refused', { path, reason: (error as Error).message });
      throw new ApiError(401, 'unauthorized', 'this service answers only requests that come through the gateway');
    }
    return true;
  }
}

/** The caller the gateway vouched for (set by GatewayProofGuard). */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<WithPrincipal>().principal;
  if (!principal) throw new ApiError(401, 'unauthorized', 'no caller');
  return principal;
});

/**
 * `GatewayProofModule.forRoot({ service })` in a service's root module: watches the gateway's published proof
 * keys (config center) and guards every route. Needs RegistryClientModule (global) and CommonModule.
 */
@Global()
@Module({})
export class GatewayProofModule {
  static forRoot(options: { service: string }): DynamicModule {
    return {
      module: GatewayProofModule,
      providers: [
        {
          provide: PROOF_VERIFIER,
          inject: [RegistryClient],
          useFactory: (registry: RegistryClient) =>
            new TokenVerifier(registry.watchConfig(GATEWAY_PROOF_JWKS_KEY, parsePublishedJwks, { keys: [] }), {
              issuer: GATEWAY_PROOF.issuer,
              audience: options.service,
              typ: GATEWAY_PROOF_TYP,
            }),
        },
        { provide: APP_GUARD, useClass: GatewayProofGuard },
      ],
    };
  }
}
