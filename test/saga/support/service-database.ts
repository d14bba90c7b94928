import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';

const ADMIN = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' };
const PASSWORDS: Record<string, string> = { order_svc: 'order_pw', inventory_svc: 'inventory_pw', payment_svc: 'payment_pw' };

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ ...ADMIN, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface ServiceDatabase {
  name: string;
  /** A DataSource as the service's role, migrations run (as at the service's start-up). */
  dataSource: DataSource;
  /** Another independent pool on the same database (a second replica's view). */
  connect(): Promise<DataSource>;
  drop(): Promise<void>;
}

/**
 * A database of its own for one integration test file, owned by the service's role (as deploy/postgres/init.sql
 * does for the real one), with the service's migrations run through TypeORM exactly as `migrationsRun` does.
 */
export async function createServiceDatabase(
  role: 'order_svc' | 'inventory_svc' | 'payment_svc',
  options: Pick<DataSourceOptions, 'entities' | 'migrations'>,
): Promise<ServiceDatabase> {
  const name = `it_${role}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} OWNER ${role}`));
  const opened: DataSource[] = [];
  const connect = async (): Promise<DataSource> => {
    const ds = new DataSource({
      type: 'postgres',
      url: `postgres://${role}:${PASSWORDS[role]}@127.0.0.1:5432/${name}`,
      entities: options.entities,
      migrations: options.migrations,
      extra: { max: 20, connectionTimeoutMillis: 5000 },
    } as DataSourceOptions);
    await ds.initialize();
    opened.push(ds);
    return ds;
  };
  const dataSource = await connect();
  await dataSource.runMigrations();
  return {
    name,
    dataSource,
    connect,
    drop: async () => {
      await Promise.allSettled(opened.filter((ds) => ds.isInitialized).map((ds) => ds.destroy()));
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
