import Fastify from 'fastify';
import { Message, MessageType } from '../core/types';
import { HttpTransport, RAFT_PEER_PATH } from './http-transport';

/** The recipe documented in index.ts: the registry mounts peer RPC on its Fastify app, beside its JSON API. */
describe('HttpTransport mounted on a Fastify app', () => {
  it('receives authenticated peer messages on the app port while the app keeps serving its own routes', async () => {
    const app = Fastify();
    app.get('/v1/cluster', async () => ({ ok: true }));
    const mounted = new HttpTransport({ id: 'b', peers: { a: 'http://127.0.0.1:1' }, secret: 's' });
    const received: Message[] = [];
    mounted.attach({ onMessage: (m) => received.push(m), onUnreachable: () => undefined, onSnapshotStatus: () => undefined });
    app.addHook('onRequest', (request, reply, done) => {
      if (request.raw.url !== RAFT_PEER_PATH) return done();
      reply.hijack();
      mounted.handle(request.raw, reply.raw);
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;

    const sender = new HttpTransport({ id: 'a', peers: { b: `http://127.0.0.1:${port}` }, secret: 's' });
    sender.attach({ onMessage: () => undefined, onUnreachable: () => undefined, onSnapshotStatus: () => undefined });
    try {
      const msg: Message = {
        type: MessageType.Heartbeat, from: 'a', to: 'b', term: 2, index: 0, logTerm: 0, entries: [], commit: 5, reject: false, rejectHint: 0,
      };
      sender.send([msg, msg]);
      while (received.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(received).toEqual([msg, msg]);
      expect(await (await fetch(`http://127.0.0.1:${port}/v1/cluster`, { signal: AbortSignal.timeout(2000) })).json()).toEqual({ ok: true });
    } finally {
      await sender.close();
      await app.close();
    }
  });
});
