import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type OutboxStatus = 'pending' | 'published' | 'dead';

/**
 * One row of the local message table (本地消息表): an event written in the same transaction as the state change
 * that caused it, waiting for the relay to publish it. The table is created by `OutboxTablesMigration`.
 */
@Entity({ name: 'outbox_message' })
@Index('outbox_message_pending_key', ['key', 'seq'], { where: `status = 'pending'` })
export class OutboxMessage {
  /** The event's id: the envelope's `id`, what consumers dedupe on. */
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /**
   * Insertion order, used ONLY to order the rows of one key. Never a high-water mark for the relay: a row with a
   * lower seq may commit after one with a higher seq.
   */
  @Column({ type: 'bigint', insert: false, update: false })
  seq!: string;

  @Column({ type: 'text' })
  topic!: string;

  /** The Kafka message key: the aggregate id (order id), so one aggregate's events stay in one partition. */
  @Column({ type: 'text' })
  key!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'jsonb' })
  payload!: unknown;

  /** Kafka headers to send (x-request-id of the request that caused the event). */
  @Column({ type: 'jsonb', default: () => `'{}'::jsonb` })
  headers!: Record<string, string>;

  /** W3C traceparent of the work that wrote the row: the relay's publish span continues its trace. */
  @Column({ type: 'text', nullable: true })
  traceparent!: string | null;

  @Column({ type: 'text', default: 'pending' })
  status!: OutboxStatus;

  /** Publish attempts made so far (successful or not). */
  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  /** Not published before this time: the backoff after a failed attempt. */
  @Column({ name: 'available_at', type: 'timestamptz', default: () => 'now()' })
  availableAt!: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;
}
