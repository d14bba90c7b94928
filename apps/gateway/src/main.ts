import 'reflect-metadata';
import { bootstrapApp } from '@shop/common';
import { loadGatewayConfig } from './gateway.config';
import { GatewayModule } from './gateway.module';

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  await bootstrapApp({ name: 'gateway', module: GatewayModule, port: config.port });
}

void main();
