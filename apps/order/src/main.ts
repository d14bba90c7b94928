import 'reflect-metadata';
import { bootstrapApp } from '@shop/common';
import { loadOrderConfig } from './order.config';
import { OrderModule } from './order.module';

async function main(): Promise<void> {
  const config = loadOrderConfig();
  await bootstrapApp({ name: 'order', module: OrderModule, port: config.port });
}

void main();
