import { MigrationInterface, QueryRunner } from 'typeorm';

export class InventorySchema1764202000000 implements MigrationInterface {
  readonly name = 'InventorySchema1764202000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE products (
        sku text PRIMARY KEY,
        name text NOT NULL,
        price_cents bigint NOT NULL CHECK (price_cents >= 0),
        available int NOT NULL CHECK (available >= 0),
        reserved int NOT NULL DEFAULT 0 CHECK (reserved >= 0),
        sold int NOT NULL DEFAULT 0 CHECK (sold >= 0)
      )`);
    await q.query(`
      CREATE TABLE reservations (
        order_id text PRIMARY KEY,
        status text NOT NULL CHECK (status IN ('RESERVED', 'SOLD', 'RELEASED', 'REJECTED', 'CANCELLED')),
        lines jsonb NOT NULL,
        reason text,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE reservations`);
    await q.query(`DROP TABLE products`);
  }
}
