import { Injectable } from '@nestjs/common';
import { ApiError } from '@shop/common';
import { ProductView, StockRepository } from '../infrastructure/stock.repository';

export interface PriceList {
  prices: { sku: string; name: string; priceCents: number }[];
  unknownSkus: string[];
}

@Injectable()
export class CatalogQueries {
  constructor(private readonly stock: StockRepository) {}

  list(): Promise<ProductView[]> {
    return this.stock.listProducts();
  }

  async bySku(sku: string): Promise<ProductView> {
    const product = await this.stock.findProduct(sku);
    if (!product) throw new ApiError(404, 'product_not_found', `no product ${sku}`);
    return product;
  }

  /** Current prices for order's pricing call; skus that do not exist are listed, not an error. */
  async prices(skus: readonly string[]): Promise<PriceList> {
    const found = await this.stock.findProducts(skus);
    const known = new Set(found.map((p) => p.sku));
    return {
      prices: found.map((p) => ({ sku: p.sku, name: p.name, priceCents: p.priceCents })),
      unknownSkus: skus.filter((s) => !known.has(s)),
    };
  }
}
