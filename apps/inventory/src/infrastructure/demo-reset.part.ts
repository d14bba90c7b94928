import { Injectable } from '@nestjs/common';
import { DemoResetPart, recentActivity } from '@shop/service-defaults';
import type { EntityManager } from 'typeorm';
import { DEMO_PRODUCTS } from './migrations/1764202000001-seed-products.migration';

/**
 * Inventory's part of the demo reset: every seeded product back to its seeded stock, all of it available
 * (reserved 0, sold 0), so `available + reserved + sold` is the seed's stock again: a new baseline equal to the
 * start. Refused while stock is reserved or a reservation moved within the quiet time. Reservations are kept.
 */
@Injectable()
export class InventoryDemoReset implements DemoResetPart {
  readonly service = 'inventory';
  // The lock a reservation takes (products rows, in sku order): a reservation is seen or waits for the reset.
  readonly lock = 'SELECT sku FROM products ORDER BY sku FOR UPDATE';

  async inFlight(manager: EntityManager): Promise<string[]> {
    const [row] = (await manager.query(
      `SELECT (SELECT COALESCE(sum(reserved), 0)::int FROM products) AS reserved,
              (SELECT count(*)::int FROM reservations WHERE status = 'RESERVED') AS open`,
    )) as { reserved: number; open: number }[];
    const problems: string[] = [];
    if (row!.reserved > 0 || row!.open > 0) problems.push(`${row!.reserved} unit(s) reserved by ${row!.open} open reservation(s)`);
    return [...problems, ...(await recentActivity(manager, 'reservations', 'reservation(s)'))];
  }

  async reset(manager: EntityManager): Promise<string> {
    const result: [unknown[], number] = await manager.query(
      `UPDATE products AS p SET available = seed.stock, reserved = 0, sold = 0
         FROM jsonb_to_recordset($1::jsonb) AS seed(sku text, stock int) WHERE p.sku = seed.sku`,
      [JSON.stringify(DEMO_PRODUCTS.map(({ sku, stock }) => ({ sku, stock })))],
    );
    return `${result[1]} products back to their seeded stock`;
  }
}
