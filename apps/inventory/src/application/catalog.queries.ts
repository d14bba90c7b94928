import { Inject, Injectable } from '@nestjs/common';
import { ProductNotFound } from './inventory.errors';
import { ProductView, StockStore } from './stock-store.port';

/** The catalog as customers see it. Order prices from its own copy (ProductPriced events), never from here. */
@Injectable()
export class CatalogQueries {
  constructor(@Inject(StockStore) private readonly stock: StockStore) {}

  list(): Promise<ProductView[]> {
    return this.stock.listProducts();
  }

  async bySku(sku: string): Promise<ProductView> {
    const product = await this.stock.findProduct(sku);
    if (!product) throw new ProductNotFound(sku);
    return product;
  }
}
