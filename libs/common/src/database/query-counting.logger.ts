import type { Logger as TypeOrmLogger } from 'typeorm';
import { Counter } from 'prom-client';
import { createLogger } from '../logging/json-logger';
import { metricsRegistry } from '../metrics/metrics';

/**
 * Every statement sent to the service's database (BEGIN and COMMIT included): one per round trip, since the
 * pg driver sends one statement per request. `npm run bench:orders` divides it by the orders placed.
 */
const databaseStatements = new Counter({
  name: 'db_client_statements_total',
  help: 'Round trips to this service database: a statement through TypeORM, or a raw query (possibly several statements sent as one)',
  registers: [metricsRegistry],
});

/**
 * Counts a round trip made outside TypeORM (raw pg on a hot path, e.g. the outbox relay's multi-statement
 * queries), so that `db_client_statements_total` stays the count of every round trip.
 */
export function countDatabaseRoundTrip(): void {
  databaseStatements.inc();
}

/**
 * TypeORM's logger for the services: counts statements (a metric, no log line per query: a line per statement
 * would cost more than the statement on the hot path) and logs errors, slow queries and migrations as JSON.
 */
export class QueryCountingLogger implements TypeOrmLogger {
  private readonly logger = createLogger('typeorm');

  logQuery(): void {
    databaseStatements.inc();
  }

  logQueryError(error: string | Error, query: string): void {
    // A failing statement is the caller's to handle (a unique violation is expected): debug, not error.
    this.logger.event('debug', 'statement failed', { error: error instanceof Error ? error.message : error, query: query.slice(0, 500) });
  }

  logQuerySlow(timeMs: number, query: string): void {
    this.logger.event('warn', 'slow statement', { timeMs, query: query.slice(0, 500) });
  }

  logSchemaBuild(message: string): void {
    this.logger.event('log', message, {});
  }

  logMigration(message: string): void {
    this.logger.event('log', message, {});
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    this.logger.event(level === 'warn' ? 'warn' : 'log', String(message), {});
  }
}
