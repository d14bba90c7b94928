import { MigrationInterface, QueryRunner } from 'typeorm';

export class OrdersSchema1764201000000 implements MigrationInterface {
  readonly name = 'OrdersSchema1764201000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE orders (
        id uuid PRIMARY KEY,
        customer_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'CANCELLED')),
        reason text,
        items jsonb NOT NULL,
        total_cents bigint NOT NULL CHECK (total_cents >= 0),
        history jsonb NOT NULL,
        idempotency_key text NOT NULL,
        request_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX orders_idempotency_key ON orders (idempotency_key)`);
    await q.query(`CREATE INDEX orders_customer_created ON orders (customer_id, created_at)`);
    // The saga-timeout sweeper scans only what is still pending.
    await q.query(`CREATE INDEX orders_pending_created ON orders (created_at) WHERE status = 'PENDING'`);
    await q.query(`CREATE TABLE customers (id text PRIMARY KEY, name text NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE customers`);
    await q.query(`DROP TABLE orders`);
  }
}
