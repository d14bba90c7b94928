import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { metricsRegistry, SpanKind, startSpan, TRACEPARENT_HEADER, traceparentOf, tracingEnabled } from '@shop/common';
import { Histogram } from 'prom-client';

const proxyDuration = new Histogram({
  name: 'gateway_proxy_request_duration_seconds',
  help: 'Duration of requests through the proxy (/api/*), by route, method and status (the gateway\'s own refusals included)',
  labelNames: ['route', 'method', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

/**
 * Wraps one proxied request (the proxy runs on the raw server, outside Fastify's hooks): its duration per route
 * into `gateway_proxy_request_duration_seconds`, and with tracing on a SERVER span that continues the client's
 * W3C traceparent (or starts the trace). The gateway's span replaces the client's traceparent in the request's
 * raw headers before the proxy copies them upstream, so the service's span is the gateway's child.
 * `isRoute` keeps the route label to the configured prefixes (an unknown path is `unmatched`, not a new series).
 */
export function observeProxied(req: IncomingMessage, res: ServerResponse, isRoute: (prefix: string) => boolean, handle: () => void): void {
  const started = process.hrtime.bigint();
  const url = req.url!;
  const end = url.slice(5).search(/[/?]/);
  const prefix = end < 0 ? url.slice(5) : url.slice(5, 5 + end);
  const route = isRoute(prefix) ? `/api/${prefix}` : 'unmatched';
  const method = req.method ?? 'GET';
  const span = tracingEnabled() ? startProxySpan(req, method, route) : undefined;
  res.once('close', () => {
    const status = res.headersSent ? res.statusCode : 499;
    proxyDuration.observe({ route, method, status: String(status) }, Number(process.hrtime.bigint() - started) / 1e9);
    if (span === undefined) return;
    span.setAttribute('http.response.status_code', status);
    if (status >= 500 || !res.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR, message: res.writableFinished ? undefined : 'answer not completed' });
    span.end();
  });
  if (span === undefined) return handle();
  context.with(trace.setSpan(context.active(), span), handle);
}

function startProxySpan(req: IncomingMessage, method: string, route: string) {
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const span = startSpan(`${method} ${route}`, {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': method, 'http.route': route, 'url.path': req.url!.split('?')[0] },
  }, parent)!;
  const ours = traceparentOf(span);
  const raw = req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) {
    const name = raw[i]!.toLowerCase();
    if (name === TRACEPARENT_HEADER || name === 'tracestate') raw.splice(i, 2);
  }
  if (ours !== undefined) raw.push(TRACEPARENT_HEADER, ours);
  return span;
}
