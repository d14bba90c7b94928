import { MigrationInterface, QueryRunner } from 'typeorm';

/** Demo data: customers c-1 .. c-100, each starting with 1000.00 (100000 cents). */
export const DEMO_STARTING_BALANCE_CENTS = 100_000;

export class SeedAccounts1764203000001 implements MigrationInterface {
  readonly name = 'SeedAccounts1764203000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`INSERT INTO accounts (customer_id, balance_cents) SELECT 'c-' || n, $1 FROM generate_series(1, 100) AS n`, [DEMO_STARTING_BALANCE_CENTS]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM accounts WHERE customer_id ~ '^c-[0-9]+$'`);
  }
}
