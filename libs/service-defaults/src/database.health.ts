import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HealthRegistry } from '@shop/common';
import { DataSource } from 'typeorm';

/** /health: the service's own database answers a query. */
@Injectable()
export class DatabaseHealth implements OnModuleInit {
  constructor(
    private readonly health: HealthRegistry,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.health.register('database', async () => {
      await this.dataSource.query('SELECT 1');
      return { database: String(this.dataSource.options.database ?? 'configured by url') };
    });
  }
}
