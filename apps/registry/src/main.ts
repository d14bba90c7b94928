import 'reflect-metadata';
import { bootstrapApp } from '@shop/common';
import { loadRegistryConfig } from './registry.config';
import { RegistryModule } from './registry.module';

async function main(): Promise<void> {
  const config = loadRegistryConfig();
  await bootstrapApp({ name: 'registry', module: RegistryModule, port: config.port });
}

void main();
