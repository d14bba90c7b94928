/**
 * @shop/service-defaults: what the three saga services (order, inventory, payment) share, so that each app writes
 * only its domain, use cases and API — eShop's "ServiceDefaults". Built on @shop/common, @shop/outbox
 * (本地消息表, the local message table), @shop/messaging and @shop/registry-client (服务注册与发现).
 *
 * Entry points:
 * - Configuration, read and validated once: `loadSagaServiceConfig({ service, port, databaseUrl }, readExtras?)`
 *   reads PORT, INSTANCE_ID, ADVERTISE_HOST, DATABASE_URL, KAFKA_BROKERS, REGISTRY_URLS, REGISTRY_TOKEN,
 *   KAFKA_PARTITIONS_CONCURRENTLY, CHAOS_CRASH_AFTER_COMMIT_OF, then the app's own variables (`readExtras`);
 *   `readSagaServiceConfig` for tests.
 * - `SagaServiceModule.forRoot({ service, config, entities, migrations, watchServices? })` in the app module:
 *   CommonModule (health, metrics, error shape), TypeORM migrated once under an advisory lock
 *   (`initializeWithMigrations`, so the two order replicas do not race on DDL), OutboxModule, RegistryClientModule
 *   and a `database` health check. Exports `UnitOfWork` and `SAGA_SERVICE_CONFIG`.
 * - `sagaEventsConsumer({ topics, handler })`: the Kafka entry point (a controller) that feeds each event to the
 *   app's handler; a poison event is parked as a dead inbox record instead of blocking its partition.
 * - `startSagaService({ service, config, module })` in main.ts: the hybrid HTTP + Kafka app (partitions consumed
 *   concurrently, each partition in order), with graceful shutdown.
 */
export { loadSagaServiceConfig, readSagaServiceConfig } from './saga-service.config';
export type { SagaServiceConfig, SagaServiceDefaults } from './saga-service.config';
export { SagaServiceModule } from './saga-service.module';
export type { SagaServiceModuleOptions } from './saga-service.module';
export { SAGA_SERVICE_CONFIG } from './saga-service.tokens';
export { sagaEventsConsumer } from './saga-events.consumer';
export type { SagaEventHandler, SagaEventsConsumerOptions } from './saga-events.consumer';
export { startSagaService } from './start-saga-service';
export type { StartSagaServiceOptions } from './start-saga-service';
export { DEMO_RESET_PART, DEMO_RESET_PATH, DEMO_RESET_QUIET_MS, DemoResetController, recentActivity, runDemoReset } from './demo-reset';
export type { DemoResetPart } from './demo-reset';
