import 'reflect-metadata';
import { bootstrapApp, createLogger, startOrExit } from '@shop/common';
import { Credentials } from './application/credentials';
import { loadIdentityConfig } from './identity.config';
import { identityAppModule } from './identity.module';

async function main(): Promise<void> {
  const config = loadIdentityConfig();
  // Hashed once, then the plain passwords are not kept by anything of ours.
  const credentials = await Credentials.create(config.demoCustomerPassword, config.operatorPassword);
  if (!credentials.hasDemoCustomers) createLogger('identity').event('log', 'DEMO_CUSTOMER_PASSWORD unset: no demo customers', {});
  await bootstrapApp({ name: 'identity', module: identityAppModule(config, credentials), port: config.port });
}

startOrExit('identity', main);
