import { DynamicModule, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CommonModule, HealthRegistry } from '@shop/common';
import { OUTBOX_ENTITIES, OUTBOX_MIGRATIONS, OutboxModule } from '@shop/outbox';
import { RegistryClient, RegistryClientModule } from '@shop/registry-client';
import { DataSource } from 'typeorm';
import { PaymentEventsConsumer } from './api/payment-events.consumer';
import { PaymentsController } from './api/payments.controller';
import { AccountQueries } from './application/account.queries';
import { PaymentEventsHandler } from './application/payment-events.handler';
import { ChaosHooks } from './infrastructure/chaos.hooks';
import { databaseProbe } from './infrastructure/database.health';
import { PaymentsSchema1764203000000 } from './infrastructure/migrations/1764203000000-payments-schema.migration';
import { SeedAccounts1764203000001 } from './infrastructure/migrations/1764203000001-seed-accounts.migration';
import { AccountEntity, PaymentEntity } from './infrastructure/payment.entity';
import { PaymentRepository } from './infrastructure/payment.repository';
import type { PaymentConfig } from './payment.config';
import { FAILURE_RATE_KEY, LATENCY_KEY, parseFailureRate, parseLatencyMs } from './payment-live-config';
import { FAILURE_RATE, LATENCY_MS, PAYMENT_CONFIG } from './payment.tokens';

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
export class PaymentModule {
  static forRoot(config: PaymentConfig): DynamicModule {
    return {
      module: PaymentModule,
      imports: [
        CommonModule.forRoot(),
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: config.databaseUrl,
          entities: [AccountEntity, PaymentEntity, ...OUTBOX_ENTITIES],
          migrations: [...OUTBOX_MIGRATIONS, PaymentsSchema1764203000000, SeedAccounts1764203000001],
          migrationsRun: true,
          synchronize: false,
          extra: { max: 20, connectionTimeoutMillis: 5000, statement_timeout: 10_000 },
        }),
        OutboxModule.forRoot({ serviceName: 'payment', kafka: { brokers: config.kafkaBrokers } }),
        RegistryClientModule.forRoot({
          urls: config.registryUrls,
          token: config.registryToken,
          registration: { service: 'payment', instanceId: config.instanceId, address: config.advertiseHost, port: config.port },
        }),
      ],
      controllers: [PaymentsController, PaymentEventsConsumer],
      providers: [
        { provide: PAYMENT_CONFIG, useValue: config },
        { provide: FAILURE_RATE, inject: [RegistryClient], useFactory: (r: RegistryClient) => r.watchConfig(FAILURE_RATE_KEY, parseFailureRate, 0) },
        { provide: LATENCY_MS, inject: [RegistryClient], useFactory: (r: RegistryClient) => r.watchConfig(LATENCY_KEY, parseLatencyMs, 0) },
        DatabaseHealth,
        ChaosHooks,
        PaymentRepository,
        AccountQueries,
        PaymentEventsHandler,
      ],
    };
  }
}
