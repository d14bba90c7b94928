import { DynamicModule, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { bootstrapApp, BodyBounds, HealthRegistry } from '@shop/common';
import { ConsumerLiveness, kafkaMicroserviceOptions, registerConsumerLagMetric } from '@shop/messaging';
import type { Consumer } from 'kafkajs';
import type { SagaServiceConfig } from './saga-service.config';

/**
 * The body bounds of a service route that declares none: the services take small JSON documents (an order is
 * under 2 KB), so 16 KiB, 8 levels and 100 elements per array leave room and refuse what no client needs.
 */
export const SERVICE_BODY_BOUNDS: BodyBounds = { maxBytes: 16 * 1024, maxDepth: 8, maxArrayLength: 100 };

export interface StartSagaServiceOptions {
  service: string;
  config: SagaServiceConfig;
  /** The app's root module, e.g. `OrderModule.forRoot(config)` (it imports SagaServiceModule). */
  module: DynamicModule;
}

/**
 * main.ts of a saga service: a hybrid app, HTTP for its API and a Kafka consumer (group = the service's name) for
 * the saga's events, with bootstrapApp's defaults (JSON logs, request ids, graceful shutdown that deregisters,
 * stops consuming, drains the relay and closes the pool).
 */
export async function startSagaService(options: StartSagaServiceOptions): Promise<NestFastifyApplication> {
  const { service, config } = options;
  @Module({ imports: [options.module] })
  class SagaServiceAppModule {}
  return bootstrapApp({
    name: service,
    module: SagaServiceAppModule,
    port: config.port,
    bodyBounds: SERVICE_BODY_BOUNDS,
    beforeListen: async (app) => {
      const kafka = kafkaMicroserviceOptions({ brokers: config.kafkaBrokers, credentials: config.kafkaCredentials, groupId: service, clientId: config.instanceId });
      const microservice = app.connectMicroservice({
        ...kafka,
        options: { ...kafka.options, run: { ...kafka.options?.run, partitionsConsumedConcurrently: config.kafkaPartitionsConcurrently } },
      });
      await app.startAllMicroservices();
      registerConsumerLagMetric({ brokers: config.kafkaBrokers, groupId: service, clientId: config.instanceId });
      // A consumer that crashed for good makes /health fail, so that the process is restarted.
      const [, consumer] = microservice.unwrap<[unknown, Consumer]>();
      const liveness = new ConsumerLiveness().watch(consumer);
      app.get(HealthRegistry, { strict: false }).register('kafka-consumer', async () => {
        const problem = liveness.problem();
        if (problem) throw new Error(`the Kafka consumer ${problem}`);
      });
    },
  });
}
