import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A consumed event: written in the same transaction as the event's effect (`UnitOfWork.runOnce`), so that a
 * redelivered event finds its record and changes nothing. The table is created by `OutboxTablesMigration`.
 */
@Entity({ name: 'inbox_message' })
@Index('inbox_message_aggregate', ['aggregateId', 'receivedAt'])
export class InboxMessage {
  @PrimaryColumn({ name: 'event_id', type: 'text' })
  eventId!: string;

  /** Which handler consumed it: one event may be consumed by several handlers of one service. */
  @PrimaryColumn({ type: 'text' })
  consumer!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ name: 'aggregate_id', type: 'text' })
  aggregateId!: string;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;

  /** `dead`: a poison event parked by `UnitOfWork.parkPoisonEvent`; redeliveries are skipped until replayed. */
  @Column({ type: 'text', default: 'processed' })
  status!: 'processed' | 'dead';

  /** Parked events only: where the event came from, the envelope to replay, why and after how many attempts. */
  @Column({ type: 'text', nullable: true })
  topic!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  envelope!: unknown;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ type: 'int', nullable: true })
  attempts!: number | null;
}
