import type { KnownCustomers } from '../application/known-customers.port';
import type { OrderRepository } from './order.repository';

/** How long a customer seen in the directory is trusted without asking the database again. */
export const KNOWN_CUSTOMER_TTL_MS = 60_000;
/** Bound on the customers remembered (oldest forgotten first). */
export const MAX_KNOWN_CUSTOMERS = 10_000;

/**
 * The customer check of every token and every order, without a database round trip each time: customers that
 * exist are remembered for a minute (the directory is reference data, seeded, never deleted by this shop).
 * An unknown customer is never remembered, so a customer added to the directory is accepted at once.
 */
export class KnownCustomersCache implements KnownCustomers {
  private readonly knownUntil = new Map<string, number>();

  constructor(
    private readonly orders: Pick<OrderRepository, 'customerExists'>,
    private readonly now: () => number = Date.now,
  ) {}

  async exists(customerId: string): Promise<boolean> {
    const until = this.knownUntil.get(customerId);
    if (until !== undefined && until > this.now()) return true;
    if (!(await this.orders.customerExists(customerId))) {
      this.knownUntil.delete(customerId);
      return false;
    }
    this.knownUntil.delete(customerId); // re-inserted last: the Map's order is the eviction order
    this.knownUntil.set(customerId, this.now() + KNOWN_CUSTOMER_TTL_MS);
    if (this.knownUntil.size > MAX_KNOWN_CUSTOMERS) this.knownUntil.delete(this.knownUntil.keys().next().value as string);
    return true;
  }
}
