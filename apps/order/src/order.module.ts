import { DynamicModule, Module } from '@nestjs/common';
import { CONFIG_KEYS } from '@shop/contracts';
import { IdempotencyTokenStore, DEFAULT_IDEMPOTENCY_OPTIONS } from '@shop/idempotency';
import { RegistryClient } from '@shop/registry-client';
import { DEMO_RESET_PART, DemoResetController, SagaServiceModule } from '@shop/service-defaults';
import type Redis from 'ioredis';
import { OrderEventsConsumer } from './api/order-events.consumer';
import { OrderController } from './api/order.controller';
import { OrderSagaHandler } from './application/order-saga.handler';
import { OrderQueries } from './application/order.queries';
import { PlaceOrderHandler } from './application/place-order.handler';
import { InboundEventsHandler } from './application/inbound-events.handler';
import { KnownCustomers } from './application/known-customers.port';
import { OrderStore } from './application/order-store.port';
import { PriceList } from './application/price-list.port';
import { PriceListProjection } from './application/price-list.projection';
import { SagaTimeoutSweeper } from './application/saga-timeout.sweeper';
import { OrderDemoReset } from './infrastructure/demo-reset.part';
import { OrdersSchema1764201000000 } from './infrastructure/migrations/1764201000000-orders-schema.migration';
import { SeedCustomers1764201000001 } from './infrastructure/migrations/1764201000001-seed-customers.migration';
import { PriceList1764201000002 } from './infrastructure/migrations/1764201000002-price-list.migration';
import { KnownCustomersCache } from './infrastructure/known-customers.cache';
import { CustomerEntity, OrderEntity } from './infrastructure/order.entity';
import { OrderRepository } from './infrastructure/order.repository';
import { PriceListHealth } from './infrastructure/price-list.health';
import { PriceListRepository } from './infrastructure/price-list.repository';
import { createRedis, RedisLifecycle } from './infrastructure/redis.provider';
import type { OrderConfig } from './order.config';
import { DEFAULT_SAGA_TIMEOUT_MS, parseSagaTimeoutMs } from './order-live-config';
import { ORDER_CONFIG, REDIS, SAGA_TIMEOUT } from './order.tokens';

@Module({})
export class OrderModule {
  static forRoot(config: OrderConfig): DynamicModule {
    return {
      module: OrderModule,
      imports: [
        SagaServiceModule.forRoot({
          service: 'order',
          config,
          entities: [OrderEntity, CustomerEntity],
          migrations: [OrdersSchema1764201000000, SeedCustomers1764201000001, PriceList1764201000002],
        }),
      ],
      controllers: [OrderController, OrderEventsConsumer, DemoResetController],
      providers: [
        { provide: DEMO_RESET_PART, useClass: OrderDemoReset },
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
          useFactory: (registry: RegistryClient) => registry.watchConfig(CONFIG_KEYS.order.sagaTimeoutMs, parseSagaTimeoutMs, DEFAULT_SAGA_TIMEOUT_MS),
        },
        RedisLifecycle,
        // The application's ports, bound to their implementations in infrastructure/.
        OrderRepository,
        { provide: OrderStore, useExisting: OrderRepository },
        PriceListRepository,
        { provide: PriceList, useExisting: PriceListRepository },
        PriceListHealth,
        { provide: KnownCustomers, inject: [OrderRepository], useFactory: (orders: OrderRepository) => new KnownCustomersCache(orders) },
        PlaceOrderHandler,
        OrderQueries,
        OrderSagaHandler,
        PriceListProjection,
        InboundEventsHandler,
        SagaTimeoutSweeper,
      ],
    };
  }
}
