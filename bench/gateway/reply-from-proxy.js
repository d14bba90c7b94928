'use strict';
// The peer to beat: the few lines a Node user would write for a proxy, @fastify/reply-from on Fastify.
const fastify = require('fastify')({ logger: false });
fastify.register(require('@fastify/reply-from'), { base: `http://127.0.0.1:${process.argv[3]}` });
fastify.removeAllContentTypeParsers();
fastify.addContentTypeParser('*', (_req, _payload, done) => done(null));
fastify.all('/api/*', (request, reply) => reply.from(request.url.slice(4)));
fastify.listen({ port: Number(process.argv[2]), host: '127.0.0.1' }).then(() => process.send?.('ready'));
