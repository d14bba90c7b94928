import { Injectable } from '@nestjs/common';
import type { ProductPricedPayload } from '@shop/contracts';
import { DataSource, EntityManager } from 'typeorm';
import type { PriceList } from '../application/price-list.port';

/** Order's copy of inventory's prices (table `product_prices`), fed by ProductPriced events: the PriceList port. */
@Injectable()
export class PriceListRepository implements PriceList {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Takes the price if it is newer than the one held (or the sku is new); false when the held version is the same
   * or higher (a redelivery, or an older event that arrived late). One statement: two consumers racing on one sku
   * serialize on its row, and the higher version wins whatever the order.
   */
  async upsertIfNewer(price: ProductPricedPayload): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO product_prices (sku, name, price_cents, version) VALUES ($1, $2, $3, $4)
       ON CONFLICT (sku) DO UPDATE
         SET name = EXCLUDED.name, price_cents = EXCLUDED.price_cents, version = EXCLUDED.version, updated_at = now()
         WHERE product_prices.version < EXCLUDED.version
       RETURNING sku`,
      [price.sku, price.name, price.priceCents, price.version],
    );
    return rows.length === 1;
  }

  /** The unit price of each of `skus` that the list holds (`manager`: read in the caller's transaction). */
  async pricesOf(skus: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<Map<string, number>> {
    const rows: { sku: string; price_cents: string }[] = await manager.query(
      `SELECT sku, price_cents FROM product_prices WHERE sku = ANY($1)`,
      [skus],
    );
    return new Map(rows.map((r) => [r.sku, Number(r.price_cents)]));
  }

  /** True until the first ProductPriced arrived (a fresh order database, its consumer still catching up). */
  async isEmpty(manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const [row]: { any: boolean }[] = await manager.query(`SELECT EXISTS (SELECT 1 FROM product_prices) AS any`);
    return !row!.any;
  }

  /** How many products the list holds, and when it last changed (null while empty). */
  async summary(): Promise<{ products: number; lastUpdate: string | null }> {
    const [row]: { products: number; last_update: Date | null }[] = await this.dataSource.query(
      `SELECT count(*)::int AS products, max(updated_at) AS last_update FROM product_prices`,
    );
    return { products: row!.products, lastUpdate: row!.last_update ? row!.last_update.toISOString() : null };
  }
}
