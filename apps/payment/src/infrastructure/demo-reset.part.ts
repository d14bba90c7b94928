import { Injectable } from '@nestjs/common';
import { DemoResetPart, recentActivity } from '@shop/service-defaults';
import type { EntityManager } from 'typeorm';
import { DEMO_STARTING_BALANCE_CENTS } from './migrations/1764203000001-seed-accounts.migration';

/**
 * Payment's part of the demo reset: the seeded accounts (c-1 .. c-100) back to their starting balance. Payments
 * are kept: balances then equal the start minus what is charged after the reset. Refused while a payment moved
 * within the quiet time (a charge whose refund may still come).
 */
@Injectable()
export class PaymentDemoReset implements DemoResetPart {
  readonly service = 'payment';
  // The lock a charge or a refund takes (its account's row): it is seen or waits for the reset.
  readonly lock = `SELECT customer_id FROM accounts WHERE customer_id ~ '^c-[0-9]+$' ORDER BY customer_id FOR UPDATE`;

  inFlight(manager: EntityManager): Promise<string[]> {
    return recentActivity(manager, 'payments', 'payment(s)');
  }

  async reset(manager: EntityManager): Promise<string> {
    const result: [unknown[], number] = await manager.query(
      `UPDATE accounts SET balance_cents = $1 WHERE customer_id IN (SELECT 'c-' || n FROM generate_series(1, 100) AS n)`,
      [DEMO_STARTING_BALANCE_CENTS],
    );
    return `${result[1]} accounts back to ${DEMO_STARTING_BALANCE_CENTS / 100}`;
  }
}
