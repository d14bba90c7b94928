import { createServer } from 'node:net';

/**
 * Ports handed out from below the kernel's ephemeral range (Linux: 32768-60999). A port the kernel picks for
 * `listen(0)` comes from that range, and so does the source port of every outgoing connection: a test's Kafka,
 * Postgres or HTTP clients could take it between this function closing it and the test binding it (a raft-host
 * test once failed with EADDRINUSE that way). 12000-18999 stays clear of it and of the fixed ports the system
 * tests use (3001-8082, and the same plus their port offsets of 20000 and up).
 */
const RANGE_START = 12000;
const RANGE_SIZE = 7000;
/** Ports this process already handed out: never twice, even before the first is bound. */
const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A TCP port free on loopback right now, from a range no outgoing connection takes. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = RANGE_START + Math.floor(Math.random() * RANGE_SIZE);
    if (handedOut.has(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${RANGE_START}-${RANGE_START + RANGE_SIZE - 1} after 200 tries`);
}
