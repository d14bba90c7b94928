import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { bootstrapApp } from '@shop/common';
import { kafkaMicroserviceOptions } from '@shop/messaging';
import { loadOrderConfig } from './order.config';
import { OrderModule } from './order.module';

async function main(): Promise<void> {
  const config = loadOrderConfig();
  @Module({ imports: [OrderModule.forRoot(config)] })
  class OrderAppModule {}
  await bootstrapApp({
    name: 'order',
    module: OrderAppModule,
    port: config.port,
    // Hybrid app: HTTP for the API, Kafka consumer (group "order") for the saga's answers.
    beforeListen: async (app) => {
      app.connectMicroservice(kafkaMicroserviceOptions({ brokers: config.kafkaBrokers, groupId: 'order', clientId: config.instanceId }));
      await app.startAllMicroservices();
    },
  });
}

void main();
