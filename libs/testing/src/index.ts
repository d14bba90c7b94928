/**
 * @shop/testing: support for tests only, never for a running service (the lint refuses it outside tests:
 * eslint.config.mjs, proven by scripts/import-rules.spec.ts). It connects as the Postgres superuser.
 *
 * - A database of its own per test file on the real Postgres, migrations run: `createThrowawayDatabase`.
 * - A short-lived superuser connection (create or drop databases, inspect anything): `withPostgresAdmin`.
 * - The local broker and its users (deploy/infra.sh, .data/secrets.env): `localKafka`, `localKafkaSasl`.
 * - The HTTP answer an app gives to an error (ErrorShapeFilter, no server): `errorAnswerOf`.
 * - Waiting and talking to what a test started: `eventually` (poll with a bound), `freePort`, `httpCall`, `rawExchange`,
 *   `spawnLogged` and `stopChild` (a process with its output in a log file; SIGTERM, then SIGKILL).
 * - Saga events as a consumer receives them: `sagaEvent`, `orderCreated`.
 */
export { createThrowawayDatabase, withPostgresAdmin } from './throwaway-database';
export type { ThrowawayDatabase, ThrowawayDatabaseOptions } from './throwaway-database';
export { localKafka, localKafkaSasl } from './local-kafka';
export type { LocalKafka } from './local-kafka';
export { errorAnswerOf } from './error-answer';
export type { ErrorAnswer } from './error-answer';
export { eventually } from './eventually';
export { orderCreated, sagaEvent } from './saga-events';
export { freePort } from './free-port';
export { httpCall, readAnswer } from './http-call';
export type { HttpAnswer, HttpCallOptions } from './http-call';
export { rawExchange } from './raw-exchange';
export { spawnLogged, stopChild } from './child-process';
export type { LoggedProcessOptions, StopOptions } from './child-process';
