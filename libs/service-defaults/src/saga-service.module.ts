import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { GatewayProofModule } from '@shop/auth';
import { CommonModule, initializeWithMigrations, QueryCountingLogger } from '@shop/common';
import { OUTBOX_ENTITIES, OUTBOX_MIGRATIONS, OutboxModule } from '@shop/outbox';
import { RegistryClientModule } from '@shop/registry-client';
import { DataSource, DataSourceOptions, EntitySchema, MigrationInterface } from 'typeorm';
import { DatabaseHealth } from './database.health';
import type { SagaServiceConfig } from './saga-service.config';
import { SAGA_SERVICE_CONFIG } from './saga-service.tokens';

export interface SagaServiceModuleOptions {
  /** The service's name: its registry entry, outbox consumer name, Kafka client id and migration lock. */
  service: string;
  config: SagaServiceConfig;
  /** The service's own TypeORM entities; the outbox's are added. */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for entity classes
  entities: ReadonlyArray<Function | EntitySchema>;
  /** The service's own migrations; the outbox's are added. */
  migrations: ReadonlyArray<new () => MigrationInterface>;
  /** Services this one calls: their instances are cached from start-up. */
  watchServices?: readonly string[];
}

/**
 * What every saga service imports first: `/health` (with a `database` check), `/metrics`, the error shape
 * (CommonModule); its database, migrated once under an advisory lock so replicas starting together do not race
 * on the DDL; the outbox and its relay (UnitOfWork, drained on shutdown); the registry client (registered once
 * listening, deregistered on shutdown). Exports `UnitOfWork` (OutboxModule) and `SAGA_SERVICE_CONFIG`.
 */
@Module({})
export class SagaServiceModule {
  static forRoot(options: SagaServiceModuleOptions): DynamicModule {
    const { service, config } = options;
    const outbox = OutboxModule.forRoot({ serviceName: service, kafka: { brokers: config.kafkaBrokers, credentials: config.kafkaCredentials } });
    return {
      module: SagaServiceModule,
      imports: [
        CommonModule.forRoot(),
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            type: 'postgres',
            url: config.databaseUrl,
            entities: [...options.entities, ...OUTBOX_ENTITIES],
            migrations: [...OUTBOX_MIGRATIONS, ...options.migrations],
            migrationsRun: false,
            synchronize: false,
            logger: new QueryCountingLogger(),
            // pipeline: a statement may be sent before the previous one is answered (node-postgres' pipeline mode);
            // an event handler's transaction sends BEGIN with its inbox insert and COMMIT with its outbox insert
            // that way (@shop/outbox InboxTransaction). TypeORM itself awaits each statement, as before.
            extra: { max: 20, connectionTimeoutMillis: 5000, statement_timeout: 10_000, pipeline: true },
          }),
          dataSourceFactory: (dataSourceOptions?: DataSourceOptions) => {
            if (!dataSourceOptions) throw new Error('TypeORM gave no options to the data source factory');
            return initializeWithMigrations(new DataSource(dataSourceOptions), `${service}-migrations`);
          },
        }),
        outbox,
        RegistryClientModule.forRoot({
          urls: config.registryUrls,
          token: config.registryToken,
          registration: { service, instanceId: config.instanceId, address: config.advertiseHost, port: config.port },
          watchServices: options.watchServices,
        }),
        // Every route but /health and /metrics needs the gateway's proof (docs/security.md).
        GatewayProofModule.forRoot({ service }),
      ],
      providers: [{ provide: SAGA_SERVICE_CONFIG, useValue: config }, DatabaseHealth],
      exports: [SAGA_SERVICE_CONFIG, outbox],
    };
  }
}
