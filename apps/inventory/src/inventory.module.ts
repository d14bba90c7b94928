import { DynamicModule, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CommonModule, HealthRegistry } from '@shop/common';
import { OUTBOX_ENTITIES, OUTBOX_MIGRATIONS, OutboxModule } from '@shop/outbox';
import { RegistryClientModule } from '@shop/registry-client';
import { DataSource } from 'typeorm';
import { InventoryEventsConsumer } from './api/inventory-events.consumer';
import { ProductsController } from './api/products.controller';
import { CatalogQueries } from './application/catalog.queries';
import { StockEventsHandler } from './application/stock-events.handler';
import { ChaosHooks } from './infrastructure/chaos.hooks';
import { databaseProbe } from './infrastructure/database.health';
import { InventorySchema1764202000000 } from './infrastructure/migrations/1764202000000-inventory-schema.migration';
import { SeedProducts1764202000001 } from './infrastructure/migrations/1764202000001-seed-products.migration';
import { ProductEntity, ReservationEntity } from './infrastructure/product.entity';
import { StockRepository } from './infrastructure/stock.repository';
import type { InventoryConfig } from './inventory.config';
import { INVENTORY_CONFIG } from './inventory.tokens';

@Injectable()
class DatabaseHealth implements OnModuleInit {
  constructor(
    private readonly health: HealthRegistry,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}
  onModuleInit(): void {
    this.health.register('database', databaseProbe(this.dataSource));
  }
}

@Module({})
export class InventoryModule {
  static forRoot(config: InventoryConfig): DynamicModule {
    return {
      module: InventoryModule,
      imports: [
        CommonModule.forRoot(),
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: config.databaseUrl,
          entities: [ProductEntity, ReservationEntity, ...OUTBOX_ENTITIES],
          migrations: [...OUTBOX_MIGRATIONS, InventorySchema1764202000000, SeedProducts1764202000001],
          migrationsRun: true,
          synchronize: false,
          extra: { max: 20, connectionTimeoutMillis: 5000, statement_timeout: 10_000 },
        }),
        OutboxModule.forRoot({ serviceName: 'inventory', kafka: { brokers: config.kafkaBrokers } }),
        RegistryClientModule.forRoot({
          urls: config.registryUrls,
          token: config.registryToken,
          registration: { service: 'inventory', instanceId: config.instanceId, address: config.advertiseHost, port: config.port },
        }),
      ],
      controllers: [ProductsController, InventoryEventsConsumer],
      providers: [
        { provide: INVENTORY_CONFIG, useValue: config },
        DatabaseHealth,
        ChaosHooks,
        StockRepository,
        CatalogQueries,
        StockEventsHandler,
      ],
    };
  }
}
