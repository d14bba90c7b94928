import { ConfigError, loadConfig } from '../config/env-reader.config';
import { contextFromTraceparent, inSpan, readTracingConfig, startTracing, traceIdOf, traceparentOf, tracingEnabled } from './tracing';

describe('tracing configuration', () => {
  const read = (env: Record<string, string>) => loadConfig((e) => readTracingConfig(e, 'order'), env);

  it('is off without OTEL_EXPORTER_OTLP_ENDPOINT, parent-based and always on by default', () => {
    expect(read({})).toEqual({ endpoint: undefined, serviceName: 'order', sampler: 'parentbased_always_on', ratio: 1 });
  });

  it('reads the endpoint, the sampler and its ratio, and the service name', () => {
    expect(
      read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01', OTEL_SERVICE_NAME: 'order-1' }),
    ).toEqual({ endpoint: 'http://collector:4318', serviceName: 'order-1', sampler: 'parentbased_traceidratio', ratio: 0.01 });
  });

  it('names every invalid variable', () => {
    const bad = () => read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318', OTEL_TRACES_SAMPLER: 'sometimes', OTEL_TRACES_SAMPLER_ARG: '2' });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT[\s\S]*OTEL_TRACES_SAMPLER=[\s\S]*OTEL_TRACES_SAMPLER_ARG/);
  });
});

describe('tracing off (no endpoint)', () => {
  beforeAll(async () => {
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    expect(await startTracing('order')).toBe(false);
  });

  it('starts no SDK: the helpers only call through', async () => {
    expect(tracingEnabled()).toBe(false);
    expect(await inSpan('x', {}, async (span) => (span === undefined ? 'no span' : 'span'))).toBe('no span');
    expect(traceparentOf()).toBeUndefined();
    expect(contextFromTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).toBeDefined();
  });

  it('reads the trace id of a traceparent, and nothing from a malformed one', () => {
    expect(traceIdOf('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(traceIdOf('00-xyz-b7ad6b7169203331-01')).toBeUndefined();
    expect(traceIdOf(null)).toBeUndefined();
  });
});
