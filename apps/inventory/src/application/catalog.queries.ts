import { Injectable } from '@nestjs/common';
import { ApiError } from '@shop/common';
import { ProductView, StockRepository } from '../infrastructure/stock.repository';

/** The catalog as customers see it. Order prices from its own copy (ProductPriced events), never from here. */
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
}
