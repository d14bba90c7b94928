import type { Principal } from '@shop/auth';
import { ApiError } from '@shop/common';
import type { EdgeAuth } from './edge-auth';

/** Who did an admin action, for the audit log line. */
export interface AdminActor {
  actor: string;
  via: 'operator-token' | 'admin-token';
}

/**
 * The admin API's door: a person signs in as an operator (`role: operator` in the access token); a machine
 * (scripts, tests, deployment jobs) may still present the static ADMIN_TOKEN. Anything else is 401, and a
 * signed-in customer 403.
 */
export async function authorizeAdmin(auth: EdgeAuth, isAdminToken: (authorization: string | undefined) => boolean, authorization: string | undefined): Promise<AdminActor> {
  if (isAdminToken(authorization)) return { actor: 'admin-token', via: 'admin-token' };
  const caller = await signedIn(auth, authorization, 'admin API needs an operator: Authorization: Bearer <operator accessToken>');
  if (caller.role !== 'operator') throw new ApiError(403, 'forbidden', 'admin API is for operators');
  return { actor: caller.subject, via: 'operator-token' };
}

/** The signed-in caller of a request to the gateway's own API, or 401. */
export async function signedIn(auth: EdgeAuth, authorization: string | undefined, message: string): Promise<Principal> {
  const caller = await auth.principal(authorization);
  if ('code' in caller) throw new ApiError(401, 'unauthorized', message);
  return caller;
}
