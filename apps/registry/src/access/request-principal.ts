import type { IncomingMessage } from 'node:http';
import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiError } from '@shop/common';
import type { FastifyRequest } from 'fastify';
import { Principal } from './access-rules';

/** The principal the credential check found for each request in flight (gone with the request). */
const principals = new WeakMap<IncomingMessage, Principal>();

export function rememberPrincipal(request: FastifyRequest, principal: Principal): void {
  principals.set(request.raw, principal);
}

/** Who sent this request; every `/v1` route passed the credential check, so one is always known there. */
export function principalOf(request: FastifyRequest): Principal {
  const principal = principals.get(request.raw);
  if (!principal) throw new ApiError(401, 'unauthorized', 'missing or wrong bearer token');
  return principal;
}

/** `@CallerPrincipal()`: who sent the request, as the credential check found it. */
export const CallerPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => principalOf(context.switchToHttp().getRequest<FastifyRequest>()));

export function forbidden(message: string): ApiError {
  return new ApiError(403, 'forbidden', message);
}
