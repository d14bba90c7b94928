import { createServer, type Server as NetServer } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { JsonLogger } from '../logging/json-logger';

/**
 * Several processes of one app on one port, and a restart no client notices (docs/resilience.md, "Restarting
 * the gateway"):
 *
 * - `reusePort`: the port is opened with SO_REUSEPORT, so two processes listen on it at once and the kernel
 *   spreads new connections between them. While one restarts, the other takes every new connection: no
 *   connection is refused.
 * - `instancePort`: a second port of this process alone, serving the same app, so that a supervisor can probe
 *   THIS process's /health (on the shared port the kernel picks the process).
 * - `drainMs`: SIGTERM/SIGINT drain before the app's own shutdown hooks run: the listeners close first (new
 *   connections go to the sibling), requests in flight are answered, each with `Connection: close`, idle
 *   keep-alive connections are closed, and after `drainMs` whatever is left is cut. Only then does Nest close
 *   (deregister, Redis, ...), so nothing a request in flight needs is gone under it.
 */
export interface SharedPortOptions {
  reusePort?: boolean;
  instancePort?: number;
  drainMs?: number;
}

/** How often a draining server closes the connections that have just become idle. */
const IDLE_SWEEP_MS = 100;

/** Listens on the shared port (and the instance port), and installs the drain. */
export async function listenSharedPort(app: NestFastifyApplication, port: number, host: string, options: SharedPortOptions, logger: JsonLogger): Promise<void> {
  // Nest hands an object with a port through to Fastify, which hands it to net.Server#listen (Node >= 22.12).
  await app.listen({ port, host, reusePort: options.reusePort ?? false } as { port: number; host: string });
  const server = app.getHttpServer() as HttpServer;
  const instanceListener = options.instancePort === undefined ? undefined : await listenInstancePort(server, options.instancePort, host);
  if (options.drainMs !== undefined) installDrain(app, server, instanceListener, options.drainMs, logger);
}

/** A plain TCP listener whose connections the app's HTTP server serves, as if they had come to its own port. */
function listenInstancePort(server: HttpServer, port: number, host: string): Promise<NetServer> {
  const listener = createServer((socket) => server.emit('connection', socket));
  return new Promise((resolve, reject) => {
    listener.once('error', reject);
    listener.listen({ port, host }, () => {
      listener.off('error', reject);
      resolve(listener);
    });
  });
}

const openConnections = (server: NetServer): Promise<number> =>
  new Promise((resolve) => server.getConnections((error, count) => resolve(error ? 0 : count)));

function installDrain(app: NestFastifyApplication, server: HttpServer, instanceListener: NetServer | undefined, drainMs: number, logger: JsonLogger): void {
  let draining: Promise<void> | undefined;

  const drain = async (): Promise<void> => {
    const startedAt = Date.now();
    // First among the request listeners: every answer from now on ends its connection.
    server.prependListener('request', (_req, res) => res.setHeader('connection', 'close'));
    server.close();
    instanceListener?.close();
    for (;;) {
      server.closeIdleConnections();
      const open = (await openConnections(server)) + (instanceListener ? await openConnections(instanceListener) : 0);
      if (open === 0) break;
      if (Date.now() - startedAt >= drainMs) {
        logger.event('warn', 'drain time is up; closing the connections still open', { open, drainMs });
        server.closeAllConnections();
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, IDLE_SWEEP_MS));
    }
    logger.event('log', 'drained: no connection left', { tookMs: Date.now() - startedAt });
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (draining) return;
    logger.event('log', `${signal}: draining (listener closed, requests in flight finish)`, { drainMs });
    draining = drain()
      .then(() => app.close())
      .catch((error: unknown) => logger.event('error', 'shutdown failed', { error: String(error) }))
      .finally(() => {
        for (const s of ['SIGTERM', 'SIGINT'] as const) process.removeListener(s, onSignal);
        // As Nest's own shutdown hooks do: end with the signal, so the exit status says what happened.
        process.kill(process.pid, signal);
      });
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, onSignal);
}
