import { connect } from 'node:net';
import { Traffic } from '../../chaos/traffic';
import { RunningSystem, startSystem } from '../support/system';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Opens (and closes) a fresh TCP connection to the port every few milliseconds, counting the refused ones. */
function probeConnections(port: number): { stop(): Promise<{ attempts: number; refused: number }> } {
  let running = true;
  let attempts = 0;
  let refused = 0;
  const loop = (async () => {
    while (running) {
      attempts += 1;
      await new Promise<void>((resolve) => {
        const socket = connect({ port, host: '127.0.0.1' });
        socket.setTimeout(2000, () => socket.destroy());
        socket.once('connect', () => socket.end());
        socket.once('error', (error: NodeJS.ErrnoException) => {
          if (error.code === 'ECONNREFUSED') refused += 1;
        });
        socket.once('close', () => resolve());
      });
      await sleep(20);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { attempts, refused };
    },
  };
}

// Issue "Basically available": a rolling restart of the gateway is invisible to clients. Two gateway processes
// listen on the one public port (SO_REUSEPORT); each in turn gets SIGTERM (it drains: stops accepting, answers
// what is in flight, closes its keep-alive connections) and is started again, while orders flow through the
// shop's own client (its retry policy) and a probe opens a fresh connection every 20 ms.
describe('the gateways restarted one after the other while orders flow', () => {
  let system: RunningSystem;
  let traffic: Traffic;
  let probe: { attempts: number; refused: number };

  beforeAll(async () => {
    system = await startSystem();
    const port = Number(new URL(system.gatewayUrl).port);
    traffic = new Traffic({ gateway: system.gatewayUrl, rate: 10, maxOrders: 400, duplicateShare: 0.2, impossibleShare: 0, addressPerCustomer: true });
    const prober = probeConnections(port);
    await traffic.signInAll();
    traffic.start();
    await sleep(5000);
    for (const name of ['gateway-1', 'gateway-2']) {
      await system.stopProcess(name, 'SIGTERM');
      await system.startProcess(name);
      await sleep(3000);
    }
    await sleep(3000);
    traffic.stopSending();
    probe = await prober.stop();
    await traffic.settle(Date.now() + 90_000);
  }, 300_000);

  afterAll(async () => {
    traffic?.stopSending();
    await traffic?.close();
    await system?.stop();
  }, 60_000);

  it('never refuses a connection on the public port', () => {
    expect(probe.attempts).toBeGreaterThan(100);
    expect(probe.refused).toBe(0);
  });

  it('shows no client an error once its retry policy is spent', () => {
    const counts: Record<string, number> = {};
    for (const e of traffic.errors) counts[`${e.route} -> ${e.status} ${e.code}`] = (counts[`${e.route} -> ${e.status} ${e.code}`] ?? 0) + 1;
    expect(counts).toEqual({});
  });

  it('accepts every order and sees each one final', () => {
    expect(traffic.orders.filter((o) => o.id === undefined || o.finalStatus === undefined).map((o) => `${o.i} ${o.failedAt ?? 'not final'}`)).toEqual([]);
  });
});
