'use strict';
// The observability variables every app of the topology passes on from the environment that starts it (empty:
// tracing off). docker-compose.yml declares the same names as `${NAME:-}`; docs/observability.md.

/** Read by every app (libs/common/src/tracing/tracing.ts). */
const TRACING_VARIABLES = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG'];
/** Read by the console only: where its saga timeline links a trace to. */
const CONSOLE_VARIABLES = ['JAEGER_URL'];

/**
 * @param {string} app
 * @param {Record<string, string | undefined>} [source]
 * @returns {Record<string, string>}
 */
function observabilityEnv(app, source = process.env) {
  const names = app === 'console' ? [...TRACING_VARIABLES, ...CONSOLE_VARIABLES] : TRACING_VARIABLES;
  return Object.fromEntries(names.map((name) => [name, source[name] ?? '']));
}

module.exports = { CONSOLE_VARIABLES, observabilityEnv, TRACING_VARIABLES };
