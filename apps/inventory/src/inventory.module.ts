import { DynamicModule, Module } from '@nestjs/common';
import { DEMO_RESET_PART, DemoResetController, SagaServiceModule } from '@shop/service-defaults';
import { InventoryEventsConsumer } from './api/inventory-events.consumer';
import { ProductsController } from './api/products.controller';
import { CatalogQueries } from './application/catalog.queries';
import { StockEventsHandler } from './application/stock-events.handler';
import { StockStore } from './application/stock-store.port';
import { InventoryDemoReset } from './infrastructure/demo-reset.part';
import { InventorySchema1764202000000 } from './infrastructure/migrations/1764202000000-inventory-schema.migration';
import { SeedProducts1764202000001 } from './infrastructure/migrations/1764202000001-seed-products.migration';
import { PublishCatalog1764202000002 } from './infrastructure/migrations/1764202000002-publish-catalog.migration';
import { ProductEntity, ReservationEntity } from './infrastructure/product.entity';
import { StockRepository } from './infrastructure/stock.repository';
import type { InventoryConfig } from './inventory.config';

@Module({})
export class InventoryModule {
  static forRoot(config: InventoryConfig): DynamicModule {
    return {
      module: InventoryModule,
      imports: [
        SagaServiceModule.forRoot({
          service: 'inventory',
          config,
          entities: [ProductEntity, ReservationEntity],
          migrations: [InventorySchema1764202000000, SeedProducts1764202000001, PublishCatalog1764202000002],
        }),
      ],
      controllers: [ProductsController, InventoryEventsConsumer, DemoResetController],
      providers: [
        { provide: DEMO_RESET_PART, useClass: InventoryDemoReset },
        StockRepository,
        { provide: StockStore, useExisting: StockRepository },
        CatalogQueries,
        StockEventsHandler,
      ],
    };
  }
}
