import { context, propagation, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { startSpan, tracingEnabled } from './tracing';

const UNTRACED_ROOTS = new Set(['/health', '/metrics']);

/**
 * A SERVER span per request served by Fastify, a child of the caller's traceparent (the gateway's span), active
 * for the whole request so that database, Redis and outbox work nest under it. Installed before the request
 * context, whose AsyncResource then carries the span across body parsing. Nothing is installed with tracing off. With
 * `startsTraces` false (the registry), only requests that carry a traceparent get a span.
 */
export function traceIncomingRequests(fastify: FastifyInstance, opts: { startsTraces: boolean }): void {
  if (!tracingEnabled()) return;
  const spans = new WeakMap<FastifyRequest, Span>();
  fastify.addHook('onRequest', (request, _reply, done) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = request.routeOptions.url ?? 'unmatched';
    // Probes, scrapes and (in the registry) heartbeats and watches would each be a trace of their own: only
    // continued, never started.
    if (trace.getSpan(parent) === undefined && (!opts.startsTraces || UNTRACED_ROOTS.has(route))) return done();
    const span = startSpan(`${request.method} ${route}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': request.method, 'http.route': route, 'url.path': request.url.split('?')[0] },
    }, parent);
    if (span === undefined) return done();
    spans.set(request, span);
    context.with(trace.setSpan(parent, span), done);
  });
  const end = (request: FastifyRequest, status: number | undefined): void => {
    const span = spans.get(request);
    if (span === undefined) return;
    spans.delete(request);
    if (status === undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: 'client went away' });
    else {
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  };
  fastify.addHook('onResponse', (request, reply, done) => {
    end(request, reply.statusCode);
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    end(request, undefined);
    done();
  });
}
