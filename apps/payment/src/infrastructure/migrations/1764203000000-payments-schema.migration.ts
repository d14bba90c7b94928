import { MigrationInterface, QueryRunner } from 'typeorm';

export class PaymentsSchema1764203000000 implements MigrationInterface {
  readonly name = 'PaymentsSchema1764203000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE accounts (customer_id text PRIMARY KEY, balance_cents bigint NOT NULL CHECK (balance_cents >= 0))`);
    await q.query(`
      CREATE TABLE payments (
        order_id text PRIMARY KEY,
        payment_id uuid NOT NULL UNIQUE,
        customer_id text NOT NULL,
        amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
        status text NOT NULL CHECK (status IN ('CHARGED', 'REFUNDED', 'FAILED', 'VOIDED')),
        reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX payments_customer ON payments (customer_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE payments`);
    await q.query(`DROP TABLE accounts`);
  }
}
