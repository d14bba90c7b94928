import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Order's own price list: a read model of inventory's catalog, fed by ProductPriced events, so that placing an
 * order reads prices from order's database and needs no call to inventory. `version` is the product's price
 * version at inventory: an update is taken only when it is newer.
 */
export class PriceList1764201000002 implements MigrationInterface {
  readonly name = 'PriceList1764201000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE product_prices (
        sku text PRIMARY KEY,
        name text NOT NULL,
        price_cents bigint NOT NULL CHECK (price_cents >= 0),
        version bigint NOT NULL CHECK (version >= 1),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE product_prices`);
  }
}
