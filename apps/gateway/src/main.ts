import 'reflect-metadata';
import { bootstrapApp, createLogger, startOrExit } from '@shop/common';
import { loadGatewayConfig } from './gateway.config';
import { gatewayAppModule } from './gateway.module';
import { GatewayRuntime } from './gateway.runtime';

/** In-flight requests get this long after SIGTERM (the proxy's upstream timeouts are shorter). */
const GATEWAY_DRAIN_MS = 10_000;

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const runtime = GatewayRuntime.create(config);
  // The services check the gateway's proofs against its published key: publish it before taking requests.
  await runtime.auth.proofs.publish(30_000);
  await bootstrapApp({
    name: 'gateway',
    module: gatewayAppModule(runtime),
    port: config.port,
    configureFastify: (fastify) => runtime.attach(fastify),
    // Two gateways share the port, so restarting one refuses no connection; SIGTERM drains it first.
    sharedPort: { reusePort: true, instancePort: config.instancePort || undefined, drainMs: GATEWAY_DRAIN_MS },
  });
  runtime.register().catch((error: unknown) =>
    createLogger('gateway').event('warn', 'registration failed; the heartbeat loop keeps trying', { error: String(error) }),
  );
}

startOrExit('gateway', main);
