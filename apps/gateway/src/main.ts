import 'reflect-metadata';
import type { FastifyInstance } from 'fastify';
import { bootstrapApp, createLogger, startOrExit } from '@shop/common';
import { loadGatewayConfig } from './gateway.config';
import { GatewayLifecycle } from './gateway.lifecycle';
import { gatewayAppModule } from './gateway.module';
import { GatewayServer } from './proxy/gateway-server';

/** In-flight requests get this long after SIGTERM (the proxy's upstream timeouts are shorter). */
const GATEWAY_DRAIN_MS = 10_000;

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const app = await bootstrapApp({
    name: 'gateway',
    module: gatewayAppModule(config),
    port: config.port,
    // The proxy goes in front of Fastify before Nest registers its routes; its proof key is published in
    // GatewayLifecycle.onModuleInit, before the server listens.
    beforeListen: (nest) => nest.get(GatewayServer).attach(nest.getHttpAdapter().getInstance() as FastifyInstance),
    // Two gateways share the port, so restarting one refuses no connection; SIGTERM drains it first.
    sharedPort: { reusePort: true, instancePort: config.instancePort || undefined, drainMs: GATEWAY_DRAIN_MS },
  });
  app.get(GatewayLifecycle).register().catch((error: unknown) =>
    createLogger('gateway').event('warn', 'registration failed; the heartbeat loop keeps trying', { error: String(error) }),
  );
}

startOrExit('gateway', main);
