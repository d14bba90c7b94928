import 'reflect-metadata';
import { bootstrapApp } from '@shop/common';
import { loadPaymentConfig } from './payment.config';
import { PaymentModule } from './payment.module';

async function main(): Promise<void> {
  const config = loadPaymentConfig();
  await bootstrapApp({ name: 'payment', module: PaymentModule, port: config.port });
}

void main();
