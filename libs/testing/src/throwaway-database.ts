import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';

/**
 * Test support for integration tests on the real Postgres (127.0.0.1:5432, superuser `postgres`, trust auth):
 * a database of its own per test file, so that tests never share state and can run alone.
 */

const ADMIN = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 5000 };

/** Runs `fn` on a short-lived superuser connection (create or drop databases, inspect anything). */
export async function withPostgresAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(ADMIN);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface ThrowawayDatabase {
  name: string;
  url: string;
  /** Migrations run, as at a service's start-up. */
  dataSource: DataSource;
  /** Another independent pool on the same database (a second replica's view). */
  connect(): Promise<DataSource>;
  drop(): Promise<void>;
}

export interface ThrowawayDatabaseOptions {
  /** Prefix of the database's name (lower case). */
  prefix: string;
  entities: DataSourceOptions['entities'];
  migrations: DataSourceOptions['migrations'];
  /** Own the database and connect as this role (as deploy/postgres/init.sql does); superuser when absent. */
  owner?: { role: string; password: string };
}

export async function createThrowawayDatabase(opts: ThrowawayDatabaseOptions): Promise<ThrowawayDatabase> {
  const name = `${opts.prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await withPostgresAdmin((c) => c.query(`CREATE DATABASE ${name}${opts.owner ? ` OWNER ${opts.owner.role}` : ''}`));
  const credentials = opts.owner ? `${opts.owner.role}:${opts.owner.password}` : 'postgres';
  const url = `postgres://${credentials}@127.0.0.1:5432/${name}`;
  const opened: DataSource[] = [];
  const connect = async (): Promise<DataSource> => {
    const ds = new DataSource({
      type: 'postgres',
      url,
      entities: opts.entities,
      migrations: opts.migrations,
      // pipeline: as the services' pools (libs/service-defaults' SagaServiceModule), for @shop/outbox's InboxTransaction.
      extra: { max: 20, connectionTimeoutMillis: 5000, pipeline: true },
    } as DataSourceOptions);
    await ds.initialize();
    opened.push(ds);
    return ds;
  };
  const dataSource = await connect();
  await dataSource.runMigrations();
  return {
    name,
    url,
    dataSource,
    connect,
    drop: async () => {
      await Promise.allSettled(opened.filter((ds) => ds.isInitialized).map((ds) => ds.destroy()));
      await withPostgresAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
