import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { initializeWithMigrations } from './migrate-exclusively';

const ADMIN = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 5000 };

class CreateWidgets1700000000000 implements MigrationInterface {
  readonly name = 'CreateWidgets1700000000000';
  async up(q: QueryRunner): Promise<void> {
    // Slow enough that unsynchronised replicas would overlap here and collide on the type/table name.
    await q.query('SELECT pg_sleep(0.3)');
    await q.query('CREATE TABLE widget (id text PRIMARY KEY)');
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE widget');
  }
}

async function admin(sql: string): Promise<void> {
  const client = new Client(ADMIN);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('initializeWithMigrations (replicas starting together)', () => {
  const name = `migrate_lock_${randomBytes(4).toString('hex')}`;
  const opened: DataSource[] = [];
  beforeAll(() => admin(`CREATE DATABASE ${name}`));
  afterAll(async () => {
    await Promise.allSettled(opened.filter((d) => d.isInitialized).map((d) => d.destroy()));
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  const replica = () => {
    const ds = new DataSource({
      type: 'postgres',
      url: `postgres://postgres@127.0.0.1:5432/${name}`,
      migrations: [CreateWidgets1700000000000],
      migrationsRun: false,
    });
    opened.push(ds);
    return ds;
  };

  it('three replicas migrating at once all start, and each migration runs exactly once', async () => {
    const started = await Promise.all([1, 2, 3].map(() => initializeWithMigrations(replica(), 'widgets')));
    expect(started.every((ds) => ds.isInitialized)).toBe(true);
    const rows = await started[0]!.query(`SELECT name FROM migrations`);
    expect(rows).toEqual([{ name: 'CreateWidgets1700000000000' }]);
  });
});
