import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiError, BodyBounds } from '@shop/common';
import { SKU_FORMAT } from '@shop/contracts';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, Matches } from 'class-validator';
import { CatalogQueries, PriceList } from '../application/catalog.queries';
import type { ProductView } from '../infrastructure/stock.repository';

/** An order has at most 20 lines; a price query of 100 skus of 40 characters is under 5 KB. */
const MAX_PRICED_SKUS = 100;

export class PriceRequestDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_PRICED_SKUS)
  @IsString({ each: true })
  @Matches(SKU_FORMAT, { each: true, message: 'each sku must be 1..40 upper-case letters, digits or dashes' })
  skus!: string[];
}

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

  /** Order's pricing call: POST, because the sku list is a body, not a cacheable resource. */
  @Post('prices')
  @BodyBounds({ maxBytes: 8 * 1024, maxDepth: 2, maxArrayLength: MAX_PRICED_SKUS })
  @HttpCode(200)
  prices(@Body() body: PriceRequestDto): Promise<PriceList> {
    return this.catalog.prices(body.skus);
  }
}
