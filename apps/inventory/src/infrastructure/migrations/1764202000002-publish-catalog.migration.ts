import { Topics } from '@shop/contracts';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Publishes the catalog to order's price list (ARCHITECTURE.md, the saga's step 1): each product gets a price
 * version, and one ProductPriced event per product goes into the outbox in this migration's transaction, so a
 * database seeded before this migration publishes its products as well as a fresh one does. Every later price
 * change bumps `price_version` and writes its ProductPriced in the transaction of the change.
 */
export class PublishCatalog1764202000002 implements MigrationInterface {
  readonly name = 'PublishCatalog1764202000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE products ADD COLUMN price_version bigint NOT NULL DEFAULT 1 CHECK (price_version >= 1)`);
    await q.query(
      `INSERT INTO outbox_message (id, topic, key, type, payload)
       SELECT gen_random_uuid(), $1, sku, 'ProductPriced',
              jsonb_build_object('sku', sku, 'name', name, 'priceCents', price_cents, 'version', price_version)
         FROM products ORDER BY sku`,
      [Topics.inventory],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM outbox_message WHERE type = 'ProductPriced' AND status = 'pending'`);
    await q.query(`ALTER TABLE products DROP COLUMN price_version`);
  }
}
