import { DynamicModule, Module } from '@nestjs/common';
import { CONFIG_KEYS } from '@shop/contracts';
import { RegistryClient } from '@shop/registry-client';
import { DEMO_RESET_PART, DemoResetController, SagaServiceModule } from '@shop/service-defaults';
import { PaymentEventsConsumer } from './api/payment-events.consumer';
import { PaymentsController } from './api/payments.controller';
import { AccountQueries } from './application/account.queries';
import { PaymentEventsHandler } from './application/payment-events.handler';
import { PaymentStore } from './application/payment-store.port';
import { PaymentDemoReset } from './infrastructure/demo-reset.part';
import { PaymentsSchema1764203000000 } from './infrastructure/migrations/1764203000000-payments-schema.migration';
import { SeedAccounts1764203000001 } from './infrastructure/migrations/1764203000001-seed-accounts.migration';
import { AccountEntity, PaymentEntity } from './infrastructure/payment.entity';
import { PaymentRepository } from './infrastructure/payment.repository';
import type { PaymentConfig } from './payment.config';
import { parseFailureRate, parseLatencyMs } from './payment-live-config';
import { FAILURE_RATE, LATENCY_MS } from './payment.tokens';

@Module({})
export class PaymentModule {
  static forRoot(config: PaymentConfig): DynamicModule {
    return {
      module: PaymentModule,
      imports: [
        SagaServiceModule.forRoot({
          service: 'payment',
          config,
          entities: [AccountEntity, PaymentEntity],
          migrations: [PaymentsSchema1764203000000, SeedAccounts1764203000001],
        }),
      ],
      controllers: [PaymentsController, PaymentEventsConsumer, DemoResetController],
      providers: [
        { provide: DEMO_RESET_PART, useClass: PaymentDemoReset },
        { provide: FAILURE_RATE, inject: [RegistryClient], useFactory: (r: RegistryClient) => r.watchConfig(CONFIG_KEYS.payment.failureRate, parseFailureRate, 0) },
        { provide: LATENCY_MS, inject: [RegistryClient], useFactory: (r: RegistryClient) => r.watchConfig(CONFIG_KEYS.payment.latencyMs, parseLatencyMs, 0) },
        PaymentRepository,
        { provide: PaymentStore, useExisting: PaymentRepository },
        AccountQueries,
        PaymentEventsHandler,
      ],
    };
  }
}
