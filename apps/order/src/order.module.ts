import { DynamicModule, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CommonModule, HealthRegistry } from '@shop/common';
import { IdempotencyTokenStore, DEFAULT_IDEMPOTENCY_OPTIONS } from '@shop/idempotency';
import { OUTBOX_ENTITIES, OUTBOX_MIGRATIONS, OutboxModule } from '@shop/outbox';
import { RegistryClient, RegistryClientModule } from '@shop/registry-client';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { OrderEventsConsumer } from './api/order-events.consumer';
import { OrderController } from './api/order.controller';
import { OrderSagaHandler } from './application/order-saga.handler';
import { OrderQueries } from './application/order.queries';
import { PlaceOrderHandler } from './application/place-order.handler';
import { SagaTimeoutSweeper } from './application/saga-timeout.sweeper';
import { ChaosHooks } from './infrastructure/chaos.hooks';
import { databaseProbe } from './infrastructure/database.health';
import { InventoryPricingClient } from './infrastructure/inventory-pricing.client';
import { OrdersSchema1764201000000 } from './infrastructure/migrations/1764201000000-orders-schema.migration';
import { SeedCustomers1764201000001 } from './infrastructure/migrations/1764201000001-seed-customers.migration';
import { CustomerEntity, OrderEntity } from './infrastructure/order.entity';
import { OrderRepository } from './infrastructure/order.repository';
import { createRedis, RedisLifecycle } from './infrastructure/redis.provider';
import type { OrderConfig } from './order.config';
import { DEFAULT_SAGA_TIMEOUT_MS, parseSagaTimeoutMs, SAGA_TIMEOUT_KEY } from './order-live-config';
import { ORDER_CONFIG, REDIS, SAGA_TIMEOUT } from './order.tokens';

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
export class OrderModule {
  static forRoot(config: OrderConfig): DynamicModule {
    return {
      module: OrderModule,
      imports: [
        CommonModule.forRoot(),
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: config.databaseUrl,
          entities: [OrderEntity, CustomerEntity, ...OUTBOX_ENTITIES],
          migrations: [...OUTBOX_MIGRATIONS, OrdersSchema1764201000000, SeedCustomers1764201000001],
          migrationsRun: true,
          synchronize: false,
          extra: { max: 20, connectionTimeoutMillis: 5000, statement_timeout: 10_000 },
        }),
        OutboxModule.forRoot({ serviceName: 'order', kafka: { brokers: config.kafkaBrokers } }),
        RegistryClientModule.forRoot({
          urls: config.registryUrls,
          token: config.registryToken,
          registration: { service: 'order', instanceId: config.instanceId, address: config.advertiseHost, port: config.port },
          watchServices: ['inventory'],
        }),
      ],
      controllers: [OrderController, OrderEventsConsumer],
      providers: [
        { provide: ORDER_CONFIG, useValue: config },
        { provide: REDIS, useFactory: () => createRedis(config) },
        {
          provide: IdempotencyTokenStore,
          inject: [REDIS],
          useFactory: (redis: Redis) => new IdempotencyTokenStore(redis, DEFAULT_IDEMPOTENCY_OPTIONS),
        },
        {
          provide: SAGA_TIMEOUT,
          inject: [RegistryClient],
          useFactory: (registry: RegistryClient) => registry.watchConfig(SAGA_TIMEOUT_KEY, parseSagaTimeoutMs, DEFAULT_SAGA_TIMEOUT_MS),
        },
        RedisLifecycle,
        DatabaseHealth,
        ChaosHooks,
        OrderRepository,
        InventoryPricingClient,
        PlaceOrderHandler,
        OrderQueries,
        OrderSagaHandler,
        SagaTimeoutSweeper,
      ],
    };
  }
}
