import { Injectable } from '@nestjs/common';
import { DemoResetPart, recentActivity } from '@shop/service-defaults';
import type { EntityManager } from 'typeorm';

/**
 * Order's part of the demo reset: orders are kept, so it only checks, first, that no saga is in flight: no
 * PENDING order and none that ended within the quiet time (its compensation may still be on its way).
 */
@Injectable()
export class OrderDemoReset implements DemoResetPart {
  readonly service = 'order';
  readonly lock = 'SELECT 1';

  async inFlight(manager: EntityManager): Promise<string[]> {
    const [row] = (await manager.query(`SELECT count(*)::int AS n FROM orders WHERE status = 'PENDING'`)) as { n: number }[];
    const pending = row!.n > 0 ? [`${row!.n} order(s) PENDING`] : [];
    return [...pending, ...(await recentActivity(manager, 'orders', 'order(s)'))];
  }

  async reset(): Promise<string> {
    return 'orders kept; no saga in flight';
  }
}
