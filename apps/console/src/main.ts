import 'reflect-metadata';
import { bootstrapApp, startOrExit } from '@shop/common';
import { loadConsoleConfig } from './console.config';
import { consoleAppModule } from './console.module';

async function main(): Promise<void> {
  const config = loadConsoleConfig();
  await bootstrapApp({ name: 'console', module: consoleAppModule(config), port: config.port });
}

startOrExit('console', main);
