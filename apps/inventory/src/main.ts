import 'reflect-metadata';
import { bootstrapApp } from '@shop/common';
import { loadInventoryConfig } from './inventory.config';
import { InventoryModule } from './inventory.module';

async function main(): Promise<void> {
  const config = loadInventoryConfig();
  await bootstrapApp({ name: 'inventory', module: InventoryModule, port: config.port });
}

void main();
