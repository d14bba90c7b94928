import 'reflect-metadata';
import { bootstrapApp, createLogger, errorBody, startOrExit } from '@shop/common';
import { RAFT_PEER_PATH } from '@shop/raft';
import { installRaftHeaders, installTokenCheck, MAX_BLOCKING_QUERIES, MAX_BLOCKING_QUERIES_PER_CLIENT, REGISTRY_BODY_BOUNDS } from './api/http-rules';
import { credentialAuthenticator } from './access/service-credentials';
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
    maxWaiters: MAX_BLOCKING_QUERIES,
    maxWaitersPerClient: MAX_BLOCKING_QUERIES_PER_CLIENT,
    leaseScanMs: 200,
  });
  let raft: RaftConsensus | null = null;
  await bootstrapApp({
    name: 'registry',
    module: registryModule(node),
    port: config.port,
    bodyBounds: REGISTRY_BODY_BOUNDS,
    // A peer stream is one request whose body never ends: no whole-request deadline (idle sockets still time out).
    requestTimeoutMs: 0,
    unmeteredPaths: [RAFT_PEER_PATH],
    startsTraces: false,
    configureFastify: (fastify) => {
      // Peer RPC shares the client port; onRequest runs before Fastify reads the body, so the stream is intact.
      fastify.addHook('onRequest', (request, reply, done) => {
        if (request.raw.url !== RAFT_PEER_PATH) return done();
        reply.hijack();
        if (raft?.host.handlePeerRequest(request.raw, reply.raw)) return;
        const body = JSON.stringify(errorBody('unavailable', 'raft is starting on this node'));
        reply.raw.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1', connection: 'close' }).end(body);
      });
      installTokenCheck(fastify, credentialAuthenticator({ operatorToken: config.token, serviceKey: config.serviceKey }));
      installRaftHeaders(fastify, node);
    },
  });
  await node.start(async (stateMachine) => (raft = await RaftConsensus.start(config, stateMachine)));
  createLogger('registry').event('log', 'raft started', { id: config.nodeId, peers: config.peers, dataDir: config.dataDir });
}

startOrExit('registry', main);
