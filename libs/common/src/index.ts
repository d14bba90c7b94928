/**
 * @shop/common: what every app of the shop shares, so that each service only writes its own domain.
 *
 * - Twelve-factor configuration, read and validated once: `loadConfigOrExit`, `EnvReader`.
 * - JSON logs with a request id that travels across HTTP and Kafka: `JsonLogger`, `currentRequestId`,
 *   `withRequestId`, `REQUEST_ID_HEADER`.
 * - `/health` (@nestjs/terminus) and `/metrics` (Prometheus): `CommonModule.forRoot()`, `HealthRegistry`,
 *   `metricsRegistry`.
 * - The application's errors, which say nothing about HTTP: `ApplicationError` and its kinds (`Invalid`,
 *   `NotFound`, `Conflict`, `Unavailable`, ...), mapped to a status in one table (`httpAnswerOf`).
 * - The contract's error shape `{"error":{"code","message"}}`: `ErrorShapeFilter`, `ApiError` (for code that
 *   speaks HTTP itself), and for errors below the app (HTTP parser, router) `contractShapedParserErrors`,
 *   `refuseConnectRequests`.
 * - Bounded JSON bodies (bytes, depth, array lengths) checked before parsing and validation: `@BodyBounds`,
 *   `installBodyBounds`, `jsonShapeProblem`.
 * - Start-up and graceful shutdown: `bootstrapApp`; schema migrations serialised across replicas:
 *   `initializeWithMigrations`.
 * - Traces (OpenTelemetry, W3C trace context; off unless OTEL_EXPORTER_OTLP_ENDPOINT is set): `startTracing`,
 *   `inSpan`, `startSpan`, `traceparentOf`, `contextFromTraceparent`, `withSpan`, `traceIdOf`.
 *
 * Test support (throwaway databases) is in @shop/testing, which only tests may import.
 */
export { bootstrapApp, startOrExit } from './bootstrap/bootstrap-app';
export type { BootstrapOptions } from './bootstrap/bootstrap-app';
export { CommonModule } from './common.module';
export { ConfigError, EnvReader, loadConfig, loadConfigOrExit } from './config/env-reader.config';
export { HealthRegistry } from './health/health-registry';
export type { HealthProbe } from './health/health-registry';
export { ApplicationError, Conflict, Forbidden, Invalid, Mismatch, NotFound, Throttled, Unauthenticated, Unavailable } from './errors/application-error';
export { ApiError, codeForStatus, errorBody } from './http/api-error';
export { BodyBounds, DEFAULT_BODY_BOUNDS, installBodyBounds } from './http/body-bounds';
export { jsonShapeProblem } from './http/json-shape-bounds';
export type { JsonShapeBounds } from './http/json-shape-bounds';
export { answerClientError, contractShapedParserErrors, HEADERS_TIMEOUT_MS, refuseConnectRequests, REQUEST_TIMEOUT_MS } from './http/parser-errors';
export type { ErrorBody } from './http/api-error';
export { ErrorShapeFilter } from './http/error-shape.filter';
export { httpAnswerOf } from './http/error-status.table';
export type { HttpAnswer } from './http/error-status.table';
export { DRAIN_BODY_BYTES, drainRequestThen } from './http/drain-request';
export { bearerTokenMatcher } from './http/bearer-token';
export type { SharedPortOptions } from './http/shared-port';
export { readBoundedText, ResponseTooLargeError } from './http/read-bounded';
export { createValidationPipe, RefusalCode } from './http/validation';
export { createLogger, JsonLogger } from './logging/json-logger';
export { acceptOrCreateRequestId, currentRequestId, REQUEST_ID_HEADER, withRequestId } from './logging/request-context';
export { collectProcessMetrics, httpRequestDuration, metricsRegistry } from './metrics/metrics';
export { initializeWithMigrations } from './database/migrate-exclusively';
export { countDatabaseRoundTrip, QueryCountingLogger } from './database/query-counting.logger';
export {
  contextFromTraceparent,
  failSpan,
  inChildSpan,
  inSpan,
  readTracingConfig,
  SpanKind,
  startSpan,
  startTracing,
  traceIdOf,
  TRACEPARENT_HEADER,
  traceparentOf,
  tracingEnabled,
  withSpan,
} from './tracing/tracing';
export type { TracingConfig } from './tracing/tracing';
