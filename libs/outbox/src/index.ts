/**
 * @shop/outbox: the local message table (本地消息表) and its inbox, the heart of the shop's eventual consistency.
 *
 * A service writes its state change and the events it causes in ONE local transaction; an always-running relay
 * publishes the events to Kafka afterwards (at least once, in order per aggregate); each consumer records the
 * event's id in its inbox in the same transaction as the event's effect, so a redelivery changes nothing.
 *
 * Entry points:
 * - `OutboxModule.forRoot({ serviceName, kafka: { brokers } })`: UnitOfWork, the relay (started on bootstrap,
 *   drained on shutdown), an `outbox` health check, `GET /outbox/stats` and `GET /events?aggregateId=`.
 * - `UnitOfWork.run(work)` for commands, `UnitOfWork.runOnce(inbox, work)` for event handlers (two round trips
 *   besides the work's: `InboxTransaction`; `ctx.atCommit(statement)` sends a statement with the COMMIT);
 *   `UnitOfWork.parkPoisonEvent` (give it to `handleKafkaEvent`'s `onPoison`) and `replayParked(eventId)`.
 * - `OutboxMessage`, `InboxMessage` (entities) and the migrations, for the service's TypeORM `entities` and
 *   `migrations` lists: `OUTBOX_ENTITIES`, `OUTBOX_MIGRATIONS` (use these lists: they grow with the schema).
 * - `OutboxRelay`: `relayOnce()`, `replayDead(id)`, `cleanup()`, `stats()`.
 */
import { InboxMessage } from './inbox-message.entity';
import { OutboxMessage } from './outbox-message.entity';
import {
  InboxDeadLetterMigration1764115300000,
  OutboxClaimIndexMigration1764115400000,
  OutboxTablesMigration1764115200000,
  OutboxTraceparentMigration1765152000000,
} from './outbox-tables.migration';

export { backoffDelayMs, DEFAULT_BACKOFF } from './backoff';
export type { BackoffPolicy } from './backoff';
export { InboxMessage } from './inbox-message.entity';
export { OutboxMessage } from './outbox-message.entity';
export type { OutboxStatus } from './outbox-message.entity';
export {
  InboxDeadLetterMigration1764115300000,
  OUTBOX_NOTIFY_CHANNEL,
  OutboxClaimIndexMigration1764115400000,
  OutboxTablesMigration1764115200000,
  OutboxTraceparentMigration1765152000000,
} from './outbox-tables.migration';
export { OutboxController } from './outbox.controller';
export { EVENT_PUBLISHER, OUTBOX_OPTIONS, OutboxModule } from './outbox.module';
export type { OutboxModuleAsyncOptions, OutboxModuleOptions } from './outbox.module';
export { firstTraceparentOf, MAX_TIMELINE_ENTRIES, OutboxQueries } from './outbox.queries';
export type { OutboxStats, TimelineEntry } from './outbox.queries';
export { OutboxRelay } from './outbox.relay';
export type { OutboxRelayOptions, RelayPassResult } from './outbox.relay';
export { OutboxLimitError, UnitOfWork } from './unit-of-work';
export type { Statement } from './inbox-transaction';
export type {
  InboxEntry,
  OutboundEvent,
  ParkableEvent,
  ParkReason,
  RunOnceResult,
  RunOptions,
  UnitOfWorkContext,
  UnitOfWorkOptions,
} from './unit-of-work';

/** For a service's TypeORM options: `entities: [...mine, ...OUTBOX_ENTITIES]`. */
export const OUTBOX_ENTITIES = [OutboxMessage, InboxMessage];
/** For a service's TypeORM options: `migrations: [...mine, ...OUTBOX_MIGRATIONS]`. */
export const OUTBOX_MIGRATIONS = [
  OutboxTablesMigration1764115200000,
  InboxDeadLetterMigration1764115300000,
  OutboxClaimIndexMigration1764115400000,
  OutboxTraceparentMigration1765152000000,
];
