import { AsyncResource } from 'node:async_hooks';
import { LogLevel, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bindHost } from '../config/bind-host.config';
import { BodyBounds, DEFAULT_BODY_BOUNDS, installBodyBounds } from '../http/body-bounds';
import { contractShapedParserErrors, HEADERS_TIMEOUT_MS, lacksRequiredHost, refuseConnectRequests, REQUEST_TIMEOUT_MS } from '../http/parser-errors';
import { createLogger, JsonLogger } from '../logging/json-logger';
import { acceptOrCreateRequestId, REQUEST_ID_HEADER, withRequestId } from '../logging/request-context';
import { errorBody } from '../http/api-error';
import { drainRequestThen } from '../http/drain-request';
import { collectProcessMetrics, httpRequestDuration } from '../metrics/metrics';
import { startTracing } from '../tracing/tracing';
import { traceIncomingRequests } from '../tracing/http-server-spans';
import { listenSharedPort, SharedPortOptions } from '../http/shared-port';

export interface BootstrapOptions {
  /** App name: in every log line and metric. */
  name: string;
  /** Root module; it imports CommonModule.forRoot(). */
  module: Type<unknown>;
  port: number;
  host?: string;
  logLevel?: LogLevel;
  /** The bounds of JSON bodies on routes that declare none with `@BodyBounds` (DEFAULT_BODY_BOUNDS otherwise). */
  bodyBounds?: Partial<BodyBounds>;
  /**
   * The whole request (headers and body) must arrive within this long, else 408 (default REQUEST_TIMEOUT_MS);
   * 0 for a server whose requests are endless streams (the registry's peer streams).
   */
  requestTimeoutMs?: number;
  /** Runs on the raw Fastify instance before Nest registers its routes (e.g. the gateway's proxy routes). */
  configureFastify?: (fastify: FastifyInstance) => void | Promise<void>;
  /**
   * Paths of long-lived requests (the registry's peer streams) left out of the request-duration histogram,
   * where one request lasting for hours would swamp the latencies of ordinary requests.
   */
  unmeteredPaths?: readonly string[];
  /** False: a request without a traceparent gets no span (the registry: heartbeats and watches are not traces). */
  startsTraces?: boolean;
  /** Runs after the app is created, before it listens (e.g. to connect a Kafka microservice). */
  beforeListen?: (app: NestFastifyApplication) => void | Promise<void>;
  /** Several processes on one port, each with a port of its own and a drain on SIGTERM (http/shared-port.ts). */
  sharedPort?: SharedPortOptions;
}

const contextResource = Symbol('requestContextResource');
type RequestWithContext = FastifyRequest & { [contextResource]?: AsyncResource };

/**
 * Starts one app with the shared defaults: JSON logs, request ids, metrics per request, bounded JSON bodies
 * (bytes, depth, array lengths, per route), every error in the contract's shape down to the HTTP parser's, and
 * graceful shutdown on SIGTERM/SIGINT (Nest's shutdown hooks: deregister, stop consuming, drain, close pools).
 */
export async function bootstrapApp(opts: BootstrapOptions): Promise<NestFastifyApplication> {
  JsonLogger.configure({ app: opts.name, level: opts.logLevel ?? 'log' });
  collectProcessMetrics(opts.name);
  await startTracing(opts.name);
  const logger = createLogger('bootstrap');

  const bodyBounds: BodyBounds = { ...DEFAULT_BODY_BOUNDS, ...opts.bodyBounds };
  const adapter = new FastifyAdapter({
    bodyLimit: bodyBounds.maxBytes,
    // Parser-level and router-level errors in the contract's shape too.
    ...contractShapedParserErrors(),
    // Request ids come from X-Request-Id; Fastify's own request logging stays off (we log JSON ourselves).
    logger: false,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => acceptOrCreateRequestId(req.headers[REQUEST_ID_HEADER]),
    connectionTimeout: 30_000,
    keepAliveTimeout: 65_000,
    // A slow client (slowloris) is answered 408 and closed: headers within 10 s, the whole request within 30 s.
    requestTimeout: opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    // Node checks those deadlines every connectionsCheckingInterval (30 s by default, which could double them).
    http: { headersTimeout: HEADERS_TIMEOUT_MS, requireHostHeader: false, connectionsCheckingInterval: 1000 },
  });
  const fastify = adapter.getInstance();
  refuseConnectRequests(fastify.server);
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!lacksRequiredHost(request.raw)) return done();
    void reply.code(400).header('connection', 'close').type('application/json; charset=utf-8').send(errorBody('bad_request', 'HTTP/1.1 request without a Host header'));
  });
  // Before the drain below: its onSend must end the body's deadline before the drain waits for the rest.
  if ((opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS) > 0) installBodyDeadline(fastify);
  // An answer made without reading the body (404, 401, 413, ...) waits until the body is read and dropped.
  fastify.addHook('onSend', (request, _reply, payload, done) => drainRequestThen(request.raw, () => done(null, payload)));
  traceIncomingRequests(fastify, { startsTraces: opts.startsTraces ?? true });
  installRequestContext(fastify, new Set(opts.unmeteredPaths ?? []));
  installBodyBounds(fastify, bodyBounds);
  await opts.configureFastify?.(fastify);

  const app = await NestFactory.create<NestFastifyApplication>(opts.module, adapter, {
    logger: new JsonLogger(),
    bufferLogs: false,
    // Our bounded JSON parser (installBodyBounds) is the only one: no form bodies, no second JSON parser.
    bodyParser: false,
  });
  // With a drain, the drain handles the signals and runs Nest's hooks after it.
  if (opts.sharedPort?.drainMs === undefined) app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await opts.beforeListen?.(app);
  if (opts.sharedPort) await listenSharedPort(app, opts.port, opts.host ?? bindHost(), opts.sharedPort, logger);
  else await app.listen(opts.port, opts.host ?? bindHost());
  logger.event('log', `${opts.name} listening`, { port: opts.port });
  return app;
}

/** A body must arrive within this long of its headers (as at the gateway's proxy path), else 408. */
export const BODY_TIMEOUT_MS = 10_000;

/**
 * A body declared and never sent (or trickled) is answered 408 by the app itself: Node's own request timeout
 * only closes a request already handed to the app, without an answer the client could read (found by the fuzz
 * test: a `Content-Length` whose bytes never came got no answer at all).
 */
function installBodyDeadline(fastify: FastifyInstance): void {
  const deadlines = new WeakMap<FastifyRequest, NodeJS.Timeout>();
  const clear = (request: FastifyRequest): void => {
    clearTimeout(deadlines.get(request));
    deadlines.delete(request);
  };
  fastify.addHook('onRequest', (request, reply, done) => {
    const raw = request.raw;
    if (raw.complete || (raw.headers['content-length'] === undefined && raw.headers['transfer-encoding'] === undefined)) return done();
    // Only a request still waiting for its body is answered here: once it is parsed (preValidation) or an answer
    // is on its way (onSend, which drains what is left within its own bound), the deadline is gone.
    const timer = setTimeout(() => {
      deadlines.delete(request);
      if (raw.complete || reply.sent || reply.raw.headersSent) return;
      void reply
        .code(408)
        .header('connection', 'close')
        .type('application/json; charset=utf-8')
        .send(errorBody('request_timeout', `the request body did not arrive within ${BODY_TIMEOUT_MS / 1000} s`));
    }, BODY_TIMEOUT_MS);
    timer.unref();
    deadlines.set(request, timer);
    done();
  });
  fastify.addHook('preValidation', (request, _reply, done) => {
    clear(request);
    done();
  });
  fastify.addHook('onSend', (request, _reply, payload, done) => {
    clear(request);
    done(null, payload);
  });
}

/**
 * Runs an app's start-up; a failure (a port in use, a database that refuses the role, ...) is logged as one
 * JSON line and ends the process with exit code 1, instead of an unhandled rejection's bare stack.
 */
export function startOrExit(app: string, start: () => Promise<unknown>): void {
  start().catch((error: unknown) => {
    JsonLogger.configure({ app });
    createLogger('bootstrap').fatal(error instanceof Error ? error : String(error));
    process.exit(1);
  });
}

/**
 * Every request runs in its own request context (AsyncLocalStorage), so logs and outgoing calls carry its id.
 * Body parsing breaks the async chain, so the context is re-entered before validation (the pattern of
 * @fastify/request-context).
 */
function installRequestContext(fastify: FastifyInstance, unmeteredPaths: ReadonlySet<string>): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    withRequestId(request.id, () => {
      const resource = new AsyncResource('request-context');
      (request as RequestWithContext)[contextResource] = resource;
      resource.runInAsyncScope(done, request.raw);
    });
  });
  fastify.addHook('preValidation', (request, _reply, done) => {
    const resource = (request as RequestWithContext)[contextResource];
    if (resource) resource.runInAsyncScope(done, request.raw);
    else done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    if (unmeteredPaths.has(request.url)) return done();
    httpRequestDuration
      .labels(request.method, request.routeOptions.url ?? 'unmatched', String(reply.statusCode))
      .observe(reply.elapsedTime / 1000);
    done();
  });
}
