import { MigrationInterface, QueryRunner } from 'typeorm';

/** Demo data: customers c-1 .. c-100, the same ids payment seeds with balances. */
export class SeedCustomers1764201000001 implements MigrationInterface {
  readonly name = 'SeedCustomers1764201000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`INSERT INTO customers (id, name) SELECT 'c-' || n, 'Customer ' || n FROM generate_series(1, 100) AS n`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM customers WHERE id ~ '^c-[0-9]+$'`);
  }
}
