import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { bootstrapApp } from '@shop/common';
import { kafkaMicroserviceOptions } from '@shop/messaging';
import { loadPaymentConfig } from './payment.config';
import { PaymentModule } from './payment.module';

async function main(): Promise<void> {
  const config = loadPaymentConfig();
  @Module({ imports: [PaymentModule.forRoot(config)] })
  class PaymentAppModule {}
  await bootstrapApp({
    name: 'payment',
    module: PaymentAppModule,
    port: config.port,
    // Hybrid app: HTTP for the API, Kafka consumer (group "payment") for the saga's events.
    beforeListen: async (app) => {
      app.connectMicroservice(kafkaMicroserviceOptions({ brokers: config.kafkaBrokers, groupId: 'payment', clientId: config.instanceId }));
      await app.startAllMicroservices();
    },
  });
}

void main();
