import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { ADMIN_TOKEN_CALLER } from '@shop/auth';
import type { Principal } from '@shop/auth';
import { ApiError } from '@shop/common';
import { CONSOLE_CALLER } from '../application/service-calls';

/** Who did an admin action, for the audit line (`admin action ...` with `actor` and `via`). */
export interface AdminActor {
  actor: string;
  via: 'operator-token' | 'admin-token';
  /** Whom the services see asking when the action calls them. */
  principal: Principal;
}


interface AdminRequest {
  principal?: Principal;
  adminActor?: AdminActor;
}

/**
 * The admin API's door, behind the gateway's proof (GatewayProofGuard runs first and sets the caller): a person
 * signed in as an operator; or a machine's static ADMIN_TOKEN, which the gateway checked and vouches for as
 * ADMIN_TOKEN_CALLER. A signed-in customer is 403; anyone else 401.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AdminRequest>();
    req.adminActor = adminActorOf(req.principal);
    return true;
  }
}

export function adminActorOf(caller: Principal | undefined): AdminActor {
  if (caller?.role === 'operator') return { actor: caller.subject, via: 'operator-token', principal: caller };
  if (caller?.role === ADMIN_TOKEN_CALLER.role && caller.subject === ADMIN_TOKEN_CALLER.subject) return { actor: 'admin-token', via: 'admin-token', principal: CONSOLE_CALLER };
  if (caller?.role === 'customer') throw new ApiError(403, 'forbidden', 'admin API is for operators');
  throw new ApiError(401, 'unauthorized', 'admin API needs an operator: Authorization: Bearer <operator accessToken>');
}

/** The admin actor AdminGuard admitted. */
export const Admin = createParamDecorator((_data: unknown, context: ExecutionContext): AdminActor => {
  const actor = context.switchToHttp().getRequest<AdminRequest>().adminActor;
  if (!actor) throw new ApiError(401, 'unauthorized', 'no admin actor');
  return actor;
});
