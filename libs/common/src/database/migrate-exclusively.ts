import type { DataSource } from 'typeorm';

/**
 * Opens a service's DataSource and brings its schema up to date while holding a Postgres advisory lock, so
 * that replicas starting together (the two order instances) run each migration once instead of racing on
 * the same DDL. TypeORM itself takes no lock. Use it as TypeOrmModule's `dataSourceFactory`, with
 * `migrationsRun: false` in the options.
 */
export async function initializeWithMigrations(dataSource: DataSource, lockName: string): Promise<DataSource> {
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    // Session-level lock on this runner's connection; the migrations run on others and see it.
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [lockName]);
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [lockName]);
    }
  } catch (error) {
    await runner.release();
    await dataSource.destroy();
    throw error;
  }
  await runner.release();
  return dataSource;
}
