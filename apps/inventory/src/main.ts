import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { bootstrapApp } from '@shop/common';
import { kafkaMicroserviceOptions } from '@shop/messaging';
import { loadInventoryConfig } from './inventory.config';
import { InventoryModule } from './inventory.module';

async function main(): Promise<void> {
  const config = loadInventoryConfig();
  @Module({ imports: [InventoryModule.forRoot(config)] })
  class InventoryAppModule {}
  await bootstrapApp({
    name: 'inventory',
    module: InventoryAppModule,
    port: config.port,
    // Hybrid app: HTTP for the API, Kafka consumer (group "inventory") for the saga's events.
    beforeListen: async (app) => {
      app.connectMicroservice(kafkaMicroserviceOptions({ brokers: config.kafkaBrokers, groupId: 'inventory', clientId: config.instanceId }));
      await app.startAllMicroservices();
    },
  });
}

void main();
