import 'reflect-metadata';
import { bootstrapApp, createLogger, startOrExit } from '@shop/common';
import { RAFT_PEER_PATH } from '@shop/raft';
import { BODY_LIMIT_BYTES, installRaftHeaders, installTokenCheck } from './api/http-rules';
import { RaftConsensus } from './raft/raft-consensus';
import { RegistryNode } from './raft/registry-node';
import { loadRegistryConfig } from './registry.config';
import { registryModule } from './registry.module';

async function main(): Promise<void> {
  const config = loadRegistryConfig();
  const node = new RegistryNode({
    nodeId: config.nodeId,
    peers: config.peers,
    proposeTimeoutMs: config.proposeTimeoutMs,
    leaderWaitMs: 3000,
    maxWaiters: 10_000,
    leaseScanMs: 200,
  });
  let raft: RaftConsensus | null = null;
  await bootstrapApp({
    name: 'registry',
    module: registryModule(node),
    port: config.port,
    bodyLimitBytes: BODY_LIMIT_BYTES,
    // A peer stream is one request whose body never ends: no whole-request deadline (idle sockets still time out).
    requestTimeoutMs: 0,
    unmeteredPaths: [RAFT_PEER_PATH],
    configureFastify: (fastify) => {
      // Peer RPC shares the client port; onRequest runs before Fastify reads the body, so the stream is intact.
      fastify.addHook('onRequest', (request, reply, done) => {
        if (request.raw.url !== RAFT_PEER_PATH) return done();
        reply.hijack();
        if (!raft?.host.handlePeerRequest(request.raw, reply.raw)) reply.raw.writeHead(503, { connection: 'close' }).end();
      });
      installTokenCheck(fastify, config.token);
      installRaftHeaders(fastify, node);
    },
  });
  await node.start(async (stateMachine) => (raft = await RaftConsensus.start(config, stateMachine)));
  createLogger('registry').event('log', 'raft started', { id: config.nodeId, peers: config.peers, dataDir: config.dataDir });
}

startOrExit('registry', main);
