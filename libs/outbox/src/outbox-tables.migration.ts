import { MigrationInterface, QueryRunner } from 'typeorm';

/** The channel the insert trigger notifies; the relay LISTENs on it. */
export const OUTBOX_NOTIFY_CHANNEL = 'outbox_message_inserted';

/**
 * Creates the local message table (outbox), the inbox and the NOTIFY trigger. Each service adds this class to
 * its own TypeORM `migrations` list (its database, its role).
 */
export class OutboxTablesMigration1764115200000 implements MigrationInterface {
  readonly name = 'OutboxTablesMigration1764115200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE outbox_message (
        id uuid PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        topic text NOT NULL,
        key text NOT NULL,
        type text NOT NULL,
        payload jsonb NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}'::jsonb,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'published', 'dead')),
        attempts int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        available_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    // The relay's claim: is there an earlier pending row of this key?
    await queryRunner.query(`CREATE INDEX outbox_message_pending_key ON outbox_message (key, seq) WHERE status = 'pending'`);
    // Stats: oldest pending row; dead letters.
    await queryRunner.query(`CREATE INDEX outbox_message_pending_created ON outbox_message (created_at) WHERE status = 'pending'`);
    await queryRunner.query(`CREATE INDEX outbox_message_dead ON outbox_message (created_at) WHERE status = 'dead'`);
    // Retention cleanup.
    await queryRunner.query(`CREATE INDEX outbox_message_published_at ON outbox_message (published_at) WHERE status = 'published'`);
    // Timeline of one aggregate (GET /events?aggregateId=).
    await queryRunner.query(`CREATE INDEX outbox_message_key_created ON outbox_message (key, created_at)`);

    await queryRunner.query(`
      CREATE TABLE inbox_message (
        event_id text NOT NULL,
        consumer text NOT NULL,
        type text NOT NULL,
        aggregate_id text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (event_id, consumer)
      )`);
    await queryRunner.query(`CREATE INDEX inbox_message_aggregate ON inbox_message (aggregate_id, received_at)`);
    await queryRunner.query(`CREATE INDEX inbox_message_received_at ON inbox_message (received_at)`);

    // A hint, not delivery: the notification is sent at commit, and lost if no relay is listening then
    // (the relay also polls). One notification per statement, not per row.
    await queryRunner.query(`
      CREATE FUNCTION outbox_message_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('${OUTBOX_NOTIFY_CHANNEL}', '');
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER outbox_message_notify AFTER INSERT ON outbox_message
      FOR EACH STATEMENT EXECUTE FUNCTION outbox_message_notify()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER IF EXISTS outbox_message_notify ON outbox_message`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS outbox_message_notify()`);
    await queryRunner.query(`DROP TABLE IF EXISTS inbox_message`);
    await queryRunner.query(`DROP TABLE IF EXISTS outbox_message`);
  }
}

/**
 * Lets a consumer park a poison event in its inbox (status `dead`, with the error and the envelope to replay), so
 * that the event no longer blocks its partition and every redelivery of it is skipped until an operator replays it.
 */
export class InboxDeadLetterMigration1764115300000 implements MigrationInterface {
  readonly name = 'InboxDeadLetterMigration1764115300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE inbox_message
        ADD COLUMN status text NOT NULL DEFAULT 'processed' CHECK (status IN ('processed', 'dead')),
        ADD COLUMN topic text,
        ADD COLUMN envelope jsonb,
        ADD COLUMN last_error text,
        ADD COLUMN attempts int`);
    await queryRunner.query(`CREATE INDEX inbox_message_dead ON inbox_message (received_at) WHERE status = 'dead'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS inbox_message_dead`);
    await queryRunner.query(
      `ALTER TABLE inbox_message DROP COLUMN status, DROP COLUMN topic, DROP COLUMN envelope, DROP COLUMN last_error, DROP COLUMN attempts`,
    );
  }
}

/** The relay's claim walks pending rows in seq order and stops after one batch of heads. */
export class OutboxClaimIndexMigration1764115400000 implements MigrationInterface {
  readonly name = 'OutboxClaimIndexMigration1764115400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX outbox_message_pending_seq ON outbox_message (seq) WHERE status = 'pending'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS outbox_message_pending_seq`);
  }
}

/**
 * The W3C traceparent of the work that wrote each row (null when tracing is off or the work was not sampled), so
 * that the relay's publish, sent long after the request that caused it, continues the same trace.
 */
export class OutboxTraceparentMigration1765152000000 implements MigrationInterface {
  readonly name = 'OutboxTraceparentMigration1765152000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE outbox_message ADD COLUMN traceparent text CHECK (length(traceparent) <= 128)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE outbox_message DROP COLUMN traceparent`);
  }
}
