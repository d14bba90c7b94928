import type { ProductPricedPayload } from '@shop/contracts';

/**
 * Order's copy of inventory's prices (a read model fed by ProductPriced events), as placing an order and the
 * projection need it; implemented by infrastructure/price-list.repository.ts.
 */
export interface PriceList {
  /** The unit price in cents of each of `skus` the list holds; a sku it does not hold is absent. */
  pricesOf(skus: readonly string[]): Promise<Map<string, number>>;
  /** True until the first price arrived (a fresh database whose consumer is still catching up). */
  isEmpty(): Promise<boolean>;
  /** Takes the price if its version is newer than the one held; false for a redelivered or overtaken event. */
  upsertIfNewer(price: ProductPricedPayload): Promise<boolean>;
}

/** Nest's injection token of the port. */
export const PriceList = Symbol('PriceList');
