import { Inject, Injectable } from '@nestjs/common';
import { createLogger, metricsRegistry } from '@shop/common';
import type { SagaEventOf } from '@shop/contracts';
import { Counter } from 'prom-client';
import { PriceList } from './price-list.port';

const updates = new Counter({
  name: 'order_price_list_updates_total',
  help: 'ProductPriced events applied to the price list, or skipped because the list already held that version or a newer one',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

/**
 * Keeps order's price list (a read model) in step with inventory's catalog. Idempotent without an inbox: the
 * price version decides, so a redelivered or overtaken event changes nothing and the newest price always wins.
 */
@Injectable()
export class PriceListProjection {
  private readonly logger = createLogger('PriceListProjection');

  constructor(@Inject(PriceList) private readonly prices: PriceList) {}

  async apply(event: SagaEventOf<'ProductPriced'>): Promise<'applied' | 'duplicate'> {
    const applied = await this.prices.upsertIfNewer(event.payload);
    updates.inc({ outcome: applied ? 'applied' : 'stale' });
    if (applied) this.logger.event('log', 'price list updated', { sku: event.payload.sku, priceCents: event.payload.priceCents, version: event.payload.version });
    return applied ? 'applied' : 'duplicate';
  }
}
