/**
 * Whether a customer exists in order's customer directory: every token and every order asks. Implemented by
 * infrastructure/known-customers.cache.ts (remembers known customers, so most answers cost no round trip).
 */
export interface KnownCustomers {
  exists(customerId: string): Promise<boolean>;
}

/** Nest's injection token of the port. */
export const KnownCustomers = Symbol('KnownCustomers');
