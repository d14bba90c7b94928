import { createThrowawayDatabase as createDatabase, ThrowawayDatabase } from '@shop/testing';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { InboxMessage } from '../inbox-message.entity';
import { OutboxMessage } from '../outbox-message.entity';
import { OUTBOX_MIGRATIONS } from '../index';

export type { ThrowawayDatabase };

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

/** A database of its own (as superuser postgres) with the outbox tables and a `widget` state table. */
export function createThrowawayDatabase(prefix: string): Promise<ThrowawayDatabase> {
  return createDatabase({
    prefix,
    entities: [OutboxMessage, InboxMessage],
    migrations: [...OUTBOX_MIGRATIONS, WidgetTableMigration1764115200001],
  });
}
