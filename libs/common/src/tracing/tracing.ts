import { Context, context, propagation, ROOT_CONTEXT, Span, SpanKind, SpanOptions, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Sampler } from '@opentelemetry/sdk-trace-node';
import { ConfigError, EnvReader, loadConfigOrExit } from '../config/env-reader.config';

/** The W3C trace context header (traceparent), stored with outbox rows and sent in Kafka headers. */
export const TRACEPARENT_HEADER = 'traceparent';

const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
type SamplerName = (typeof SAMPLERS)[number];

export interface TracingConfig {
  /** OTLP/HTTP base URL (`/v1/traces` is appended); tracing is off when unset. */
  endpoint: string | undefined;
  serviceName: string;
  sampler: SamplerName;
  /** The ratio of the `*traceidratio` samplers, 0..1. */
  ratio: number;
}

/** The standard OpenTelemetry variables, validated like every other variable (exit 78 on a bad one). */
export function readTracingConfig(env: EnvReader, app: string): TracingConfig {
  const endpoint = env.string('OTEL_EXPORTER_OTLP_ENDPOINT', { default: '' });
  if (endpoint !== '') env.url('OTEL_EXPORTER_OTLP_ENDPOINT', { protocols: ['http:', 'https:'] });
  const sampler = env.string('OTEL_TRACES_SAMPLER', { default: 'parentbased_always_on' });
  const ratioText = env.string('OTEL_TRACES_SAMPLER_ARG', { default: '1' });
  const ratio = Number(ratioText);
  const problems: string[] = [];
  if (!isSamplerName(sampler)) problems.push(`OTEL_TRACES_SAMPLER=${JSON.stringify(sampler)} is invalid: expected one of ${SAMPLERS.join(', ')}`);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) problems.push(`OTEL_TRACES_SAMPLER_ARG=${JSON.stringify(ratioText)} is invalid: expected a number from 0 to 1`);
  if (problems.length > 0) {
    // Named together with what the reader found wrong (the endpoint's URL), as every other start-up error.
    try {
      env.assertValid();
    } catch (error) {
      if (error instanceof ConfigError) throw new ConfigError([...error.problems, ...problems]);
      throw error;
    }
    throw new ConfigError(problems);
  }
  return {
    endpoint: endpoint === '' ? undefined : endpoint.replace(/\/+$/, ''),
    serviceName: env.string('OTEL_SERVICE_NAME', { default: app }),
    sampler: sampler as SamplerName,
    ratio,
  };
}

function isSamplerName(name: string): name is SamplerName {
  return (SAMPLERS as readonly string[]).includes(name);
}

let enabled = false;

/** Whether this process exports traces; every helper below is a plain call-through when it does not. */
export function tracingEnabled(): boolean {
  return enabled;
}

/**
 * Starts the OpenTelemetry SDK when OTEL_EXPORTER_OTLP_ENDPOINT is set: W3C trace context, a parent-based
 * sampler from OTEL_TRACES_SAMPLER(_ARG), spans batched (bounded queue) to OTLP/HTTP JSON. When it is unset
 * nothing is loaded or registered: the API stays the no-op one and the helpers below skip all span work.
 */
export async function startTracing(app: string): Promise<boolean> {
  const config = loadConfigOrExit(app, (env) => readTracingConfig(env, app));
  if (config.endpoint === undefined) return false;
  const sdk = await import('@opentelemetry/sdk-trace-node');
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const provider = new sdk.NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    sampler: buildSampler(sdk, config),
    spanProcessors: [
      new sdk.BatchSpanProcessor(new OTLPTraceExporter({ url: `${config.endpoint}/v1/traces`, timeoutMillis: 5000 }), {
        maxQueueSize: 4096,
        maxExportBatchSize: 512,
      }),
    ],
  });
  provider.register();
  enabled = true;
  return true;
}

function buildSampler(sdk: typeof import('@opentelemetry/sdk-trace-node'), config: TracingConfig): Sampler {
  const root = (name: string): Sampler =>
    name.endsWith('always_off') ? new sdk.AlwaysOffSampler() : name.endsWith('traceidratio') ? new sdk.TraceIdRatioBasedSampler(config.ratio) : new sdk.AlwaysOnSampler();
  return config.sampler.startsWith('parentbased_') ? new sdk.ParentBasedSampler({ root: root(config.sampler) }) : root(config.sampler);
}

const tracer = () => trace.getTracer('shop');

/**
 * Runs `work` in a new span (a child of `parent`, else of the active span), ended when `work` settles; an error
 * is recorded on the span and rethrown. With tracing off, just `work()`.
 */
export function inSpan<T>(name: string, options: SpanOptions, work: (span?: Span) => Promise<T>, parent?: Context): Promise<T> {
  if (!enabled) return work();
  return tracer().startActiveSpan(name, options, parent ?? context.active(), async (span) => {
    try {
      return await work(span);
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Like `inSpan`, but only inside a trace: background work (a sweep every second, a relay pass) would otherwise
 * start a trace of its own each time.
 */
export function inChildSpan<T>(name: string, options: SpanOptions, work: (span?: Span) => Promise<T>): Promise<T> {
  if (!enabled || trace.getActiveSpan() === undefined) return work();
  return inSpan(name, options, work);
}

/** A span the caller ends (for work that is not one promise: a proxied exchange, a batch publish). */
export function startSpan(name: string, options: SpanOptions, parent?: Context): Span | undefined {
  return enabled ? tracer().startSpan(name, options, parent ?? context.active()) : undefined;
}

export function failSpan(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** The traceparent of the active span (or of `span`), to store or send; undefined when tracing is off or no span. */
export function traceparentOf(span?: Span): string | undefined {
  if (!enabled) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(span ? trace.setSpan(context.active(), span) : context.active(), carrier);
  return carrier[TRACEPARENT_HEADER];
}

/** The context a received traceparent names (the root context when there is none or it is malformed). */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  if (!enabled || traceparent === undefined) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { [TRACEPARENT_HEADER]: traceparent });
}

/** Runs `fn` with `span` active, so that spans started inside are its children. */
export function withSpan<T>(span: Span | undefined, fn: () => T): T {
  return span ? context.with(trace.setSpan(context.active(), span), fn) : fn();
}

/** The trace id in a traceparent (`00-<trace id>-<span id>-<flags>`), for links to the trace viewer. */
export function traceIdOf(traceparent: string | null | undefined): string | undefined {
  const m = traceparent ? /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent) : null;
  return m ? m[1] : undefined;
}

export { SpanKind };
