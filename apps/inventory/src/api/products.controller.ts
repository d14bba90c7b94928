import { Controller, Get, Param } from '@nestjs/common';
import { SKU_FORMAT } from '@shop/contracts';
import { CatalogQueries } from '../application/catalog.queries';
import { ProductNotFound } from '../application/inventory.errors';
import type { ProductView } from '../application/stock-store.port';

@Controller('products')
export class ProductsController {
  constructor(private readonly catalog: CatalogQueries) {}

  @Get()
  list(): Promise<ProductView[]> {
    return this.catalog.list();
  }

  @Get(':sku')
  bySku(@Param('sku') sku: string): Promise<ProductView> {
    if (!SKU_FORMAT.test(sku)) throw new ProductNotFound(sku);
    return this.catalog.bySku(sku);
  }
}
