import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { InboxMessage } from '../inbox-message.entity';
import { OutboxMessage } from '../outbox-message.entity';
import { OUTBOX_MIGRATIONS } from '../index';

const ADMIN = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' };

/** A state table for tests: what a service's own entity would be. */
export class WidgetTableMigration1764115200001 implements MigrationInterface {
  readonly name = 'WidgetTableMigration1764115200001';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE widget (id text PRIMARY KEY, count int NOT NULL DEFAULT 0)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE widget`);
  }
}

export interface ThrowawayDatabase {
  name: string;
  url: string;
  dataSource: DataSource;
  /** A second, independent DataSource on the same database (another process's view). */
  connect(): Promise<DataSource>;
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ ...ADMIN, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a database (as superuser postgres) with the outbox migration and a `widget` table. */
export async function createThrowawayDatabase(prefix: string): Promise<ThrowawayDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = `postgres://postgres@127.0.0.1:5432/${name}`;
  const opened: DataSource[] = [];
  const connect = async (): Promise<DataSource> => {
    const ds = new DataSource({
      type: 'postgres',
      url,
      entities: [OutboxMessage, InboxMessage],
      migrations: [...OUTBOX_MIGRATIONS, WidgetTableMigration1764115200001],
      extra: { max: 10, connectionTimeoutMillis: 5000 },
    });
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
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
