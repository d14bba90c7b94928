import { HealthProbe } from '@shop/common';
import { DataSource } from 'typeorm';

/** /health: the service's own database answers a query. */
export function databaseProbe(dataSource: DataSource): HealthProbe {
  return async () => {
    await dataSource.query('SELECT 1');
    return { database: String(dataSource.options.database ?? 'configured by url') };
  };
}
