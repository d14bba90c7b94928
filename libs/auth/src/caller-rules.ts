import { ApiError } from '@shop/common';
import type { Principal } from './trust';

/**
 * The customer a request acts for is the proof's subject, never the body's: a `customerId` in a body or query
 * may be omitted, and when present must be the caller (403 otherwise). Operators act for whoever they name.
 * Anonymous callers and the gateway itself act for no customer (401).
 */
export function actingCustomer(caller: Principal, claimed: string | undefined): string {
  if (caller.role === 'customer') {
    if (claimed !== undefined && claimed !== caller.subject) throw new ApiError(403, 'forbidden', 'customerId must be the signed-in customer');
    return caller.subject;
  }
  if (caller.role === 'operator' && claimed !== undefined) return claimed;
  throw new ApiError(401, 'unauthorized', 'sign in as a customer');
}

/** Whether the caller may see a thing that belongs to `owner`; when not, answer as if it did not exist (404). */
export function mayRead(caller: Principal, owner: string): boolean {
  return caller.role === 'operator' || caller.role === 'gateway' || (caller.role === 'customer' && caller.subject === owner);
}

/** Internal endpoints (outbox stats, event timelines): only the gateway's own calls and operators. */
export function requireInternal(caller: Principal): void {
  if (caller.role !== 'gateway' && caller.role !== 'operator') throw new ApiError(403, 'forbidden', 'internal endpoint');
}
