import { Controller, Get, Param } from '@nestjs/common';
import { ApiError } from '@shop/common';
import { SKU_FORMAT } from '@shop/contracts';
import { CatalogQueries } from '../application/catalog.queries';
import type { ProductView } from '../infrastructure/stock.repository';

@Controller('products')
export class ProductsController {
  constructor(private readonly catalog: CatalogQueries) {}

  @Get()
  list(): Promise<ProductView[]> {
    return this.catalog.list();
  }

  @Get(':sku')
  bySku(@Param('sku') sku: string): Promise<ProductView> {
    if (!SKU_FORMAT.test(sku)) throw new ApiError(404, 'product_not_found', `no product ${sku.slice(0, 64)}`);
    return this.catalog.bySku(sku);
  }
}
