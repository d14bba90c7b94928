import {
  BeforeApplicationShutdown,
  DynamicModule,
  Inject,
  Injectable,
  Module,
  ModuleMetadata,
  OnApplicationBootstrap,
  Optional,
  Provider,
} from '@nestjs/common';
import { HealthRegistry } from '@shop/common';
import { KafkaEventPublisher } from '@shop/messaging';
import type { EventPublisher, KafkaCredentials } from '@shop/messaging';
import { DataSource } from 'typeorm';
import { OutboxController } from './outbox.controller';
import { OutboxQueries } from './outbox.queries';
import { OutboxRelay, OutboxRelayOptions } from './outbox.relay';
import { UnitOfWork, UnitOfWorkOptions } from './unit-of-work';

export interface OutboxModuleOptions {
  /** The service's name: the inbox's default consumer, the label of metrics and logs, Kafka client id. */
  serviceName: string;
  /** Where the relay publishes: Kafka brokers, or any EventPublisher (tests, another client). */
  kafka: { brokers: readonly string[]; clientId?: string; publishTimeoutMs?: number; credentials?: KafkaCredentials } | { publisher: EventPublisher };
  /** Relay tuning (batch size, poll interval, attempts before dead, backoff, retention). */
  relay?: Omit<OutboxRelayOptions, 'serviceName'>;
  unitOfWork?: Omit<UnitOfWorkOptions, 'serviceName'>;
  /** Run the relay in this process (default true). */
  relayEnabled?: boolean;
}

export interface OutboxModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: Array<string | symbol | (abstract new (...args: never[]) => unknown)>;
  useFactory: (...args: never[]) => OutboxModuleOptions | Promise<OutboxModuleOptions>;
}

export const OUTBOX_OPTIONS = Symbol('OUTBOX_OPTIONS');
/** The EventPublisher the relay uses (a KafkaEventPublisher unless the options give one). */
export const EVENT_PUBLISHER = Symbol('EVENT_PUBLISHER');

/** Starts the relay once the app is up, drains it before the DataSource closes, reports health. */
@Injectable()
class OutboxLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(OUTBOX_OPTIONS) private readonly options: OutboxModuleOptions,
    @Inject(OutboxRelay) private readonly relay: OutboxRelay,
    @Inject(EVENT_PUBLISHER) private readonly publisher: EventPublisher,
    @Optional() @Inject(HealthRegistry) private readonly health?: HealthRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Kafka being down is not the service being down: orders are still accepted and wait in the outbox
    // (BASE). The check fails only when the outbox cannot be read; Kafka's state is in the details.
    this.health?.register('outbox', async () => {
      const stats = await this.relay.cachedStats();
      const lastError = this.relay.lastError();
      return { ...stats, kafka: lastError ? `publishing fails: ${lastError}` : 'up' };
    });
    if (this.options.relayEnabled !== false) await this.relay.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    if (this.publisher instanceof KafkaEventPublisher) await this.publisher.disconnect();
  }
}

/**
 * The outbox for a NestJS service: `OutboxModule.forRoot({ serviceName, kafka: { brokers } })` in the root
 * module, after TypeOrmModule (it injects the default DataSource). Provides `UnitOfWork` and `OutboxRelay`,
 * serves `GET /outbox/stats` and `GET /events?aggregateId=`.
 */
@Module({})
export class OutboxModule {
  static forRoot(options: OutboxModuleOptions): DynamicModule {
    return OutboxModule.build([{ provide: OUTBOX_OPTIONS, useValue: options }], []);
  }

  static forRootAsync(options: OutboxModuleAsyncOptions): DynamicModule {
    return OutboxModule.build(
      [{ provide: OUTBOX_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }],
      options.imports ?? [],
    );
  }

  private static build(optionsProviders: Provider[], imports: NonNullable<ModuleMetadata['imports']>): DynamicModule {
    return {
      module: OutboxModule,
      imports,
      controllers: [OutboxController],
      providers: [
        ...optionsProviders,
        {
          provide: EVENT_PUBLISHER,
          inject: [OUTBOX_OPTIONS],
          useFactory: (o: OutboxModuleOptions): EventPublisher =>
            'publisher' in o.kafka
              ? o.kafka.publisher
              : new KafkaEventPublisher({
                  clientId: o.kafka.clientId ?? `${o.serviceName}-outbox`,
                  brokers: o.kafka.brokers,
                  credentials: o.kafka.credentials,
                  publishTimeoutMs: o.kafka.publishTimeoutMs,
                }),
        },
        {
          provide: UnitOfWork,
          inject: [DataSource, OUTBOX_OPTIONS],
          useFactory: (ds: DataSource, o: OutboxModuleOptions) => new UnitOfWork(ds, { ...o.unitOfWork, serviceName: o.serviceName }),
        },
        {
          provide: OutboxRelay,
          inject: [DataSource, EVENT_PUBLISHER, OUTBOX_OPTIONS],
          useFactory: (ds: DataSource, publisher: EventPublisher, o: OutboxModuleOptions) =>
            new OutboxRelay(ds, publisher, { ...o.relay, serviceName: o.serviceName }),
        },
        { provide: OutboxQueries, inject: [DataSource], useFactory: (ds: DataSource) => new OutboxQueries(ds) },
        OutboxLifecycle,
      ],
      exports: [UnitOfWork, OutboxRelay, OutboxQueries, EVENT_PUBLISHER],
    };
  }
}
