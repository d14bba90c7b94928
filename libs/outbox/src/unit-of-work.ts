import { randomUUID } from 'node:crypto';
import { currentRequestId, inChildSpan, REQUEST_ID_HEADER, SpanKind, traceparentOf } from '@shop/common';
import { DataSource, EntityManager } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';
import { InboxTransaction, Statement } from './inbox-transaction';

/** An event to write to the outbox; `@shop/contracts`' `sagaEvent(type, aggregateId, payload)` builds one. */
export interface OutboundEvent {
  topic: string;
  type: string;
  /** The aggregate (order) id: the Kafka key, so one aggregate's events keep their order. */
  aggregateId: string;
  payload: unknown;
}

export interface UnitOfWorkContext {
  /** The transaction's manager: every state change goes through it, or it is not part of the transaction. */
  manager: EntityManager;
  /**
   * Adds an event to the outbox, written in this transaction (after `work` resolves), published after commit.
   * Returns the event's id (the envelope `id`). Throws once the unit of work is over.
   */
  publish(event: OutboundEvent): string;
  /**
   * Queues a statement whose answer the work does not need, sent at the end of the transaction before the outbox
   * rows: in `runOnce`, in the same round trip as the outbox insert and COMMIT. The row locks the work took are
   * then held one round trip less for each (inventory's hot products). A failure rolls the whole unit back and
   * is thrown, so a guard belongs in the statement or a constraint, not in a row count. Throws once the unit of
   * work is over.
   */
  atCommit(statement: Statement): void;
}

/** The inbox record of a consumed event: `consumer` defaults to the service's name. */
export interface InboxEntry {
  eventId: string;
  type: string;
  aggregateId: string;
  consumer?: string;
}

export interface RunOnceResult<T> {
  /** True when this consumer already processed the event: `work` did not run. */
  duplicate: boolean;
  result?: T;
}

/** A consumed event as `handleKafkaEvent` hands it over (the contract's envelope). */
export interface ParkableEvent {
  id: string;
  type: string;
  aggregateId: string;
  occurredAt?: string;
  payload: unknown;
}

/** Why an event is parked (the shape of `handleKafkaEvent`'s `onPoison` second argument). */
export interface ParkReason {
  error: unknown;
  attempts: number;
  meta: { topic: string };
}

export interface UnitOfWorkOptions {
  /** The default `consumer` of inbox records. */
  serviceName: string;
  /** Bound on the events one unit of work may publish. */
  maxEventsPerUnit?: number;
  /** Bound on one event's serialized payload. */
  maxPayloadBytes?: number;
}

export interface RunOptions {
  isolation?: IsolationLevel;
}

export class OutboxLimitError extends Error {
  override name = 'OutboxLimitError';
}

interface PendingRow {
  id: string;
  topic: string;
  key: string;
  type: string;
  payload: string;
  headers: string;
  traceparent: string | null;
}

/**
 * The one place where "state + inbox + outbox in one transaction" happens (as eShop's integration event log):
 *
 * - `run(work)`: the state change made through `ctx.manager` and the events given to `ctx.publish` commit or
 *   roll back together.
 * - `runOnce(inbox, work)`: first the inbox record (INSERT ... ON CONFLICT DO NOTHING), then the effect, then the
 *   outbox rows, in one transaction. A redelivered event finds its record and `work` does not run. A concurrent
 *   duplicate waits on the first one's uncommitted inbox row and then sees it (or takes over if it rolled back).
 *
 * Errors are never swallowed: whatever `work` throws rolls the transaction back and is rethrown.
 */
export class UnitOfWork {
  private readonly maxEvents: number;
  private readonly maxPayloadBytes: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: UnitOfWorkOptions,
  ) {
    this.maxEvents = options.maxEventsPerUnit ?? 100;
    this.maxPayloadBytes = options.maxPayloadBytes ?? 256 * 1024;
  }

  run<T>(work: (ctx: UnitOfWorkContext) => Promise<T>, opts: RunOptions = {}): Promise<T> {
    return this.transaction(opts, (manager) => this.withOutbox(manager, work));
  }

  /**
   * One state-changing statement and the events it publishes, written by ONE statement: the outbox rows go in a
   * data-modifying CTE in front of `statement`, and a single statement is atomic by itself (both rows or neither,
   * the NOTIFY trigger included). One round trip where `run` takes four (BEGIN, statement, outbox, COMMIT): for
   * a hot write that is one statement, such as placing an order. `statement` must be a single INSERT, UPDATE or
   * DELETE (a CTE may not follow another statement) whose placeholders start at $1. Returns the events' ids; a
   * constraint violation is thrown as is (nothing written).
   */
  async writeWithEvents(statement: { sql: string; params: readonly unknown[] }, events: readonly OutboundEvent[]): Promise<string[]> {
    if (events.length > this.maxEvents) throw new OutboxLimitError(`a unit of work may publish at most ${this.maxEvents} events`);
    const requestId = currentRequestId();
    // One statement is one transaction: it gets the transaction's span, and its rows carry that span's context
    // for the relay to continue (as `run`'s do).
    return inChildSpan('pg transaction', { kind: SpanKind.CLIENT, attributes: TRANSACTION_SPAN_ATTRIBUTES }, async () => {
      const rows = events.map((event) => this.pendingRow(event, requestId));
      if (rows.length === 0) {
        await this.dataSource.query(statement.sql, [...statement.params]);
        return [];
      }
      const outbox = outboxInsert(rows, statement.params.length);
      await this.dataSource.query(`WITH outbox_rows AS (${outbox.sql}) ${statement.sql}`, [...statement.params, ...outbox.params]);
      return rows.map((r) => r.id);
    });
  }

  /**
   * The inbox record, the work and its outbox rows in one transaction of `InboxTransaction`: BEGIN with the inbox
   * insert, then the work's own statements, then the outbox insert with COMMIT (two round trips besides the
   * work's, where TypeORM's transaction took four).
   */
  runOnce<T>(inbox: InboxEntry, work: (ctx: UnitOfWorkContext) => Promise<T>, opts: RunOptions = {}): Promise<RunOnceResult<T>> {
    return inChildSpan('pg transaction', { kind: SpanKind.CLIENT, attributes: TRANSACTION_SPAN_ATTRIBUTES }, async () => {
      const tx = await InboxTransaction.connect(this.dataSource);
      try {
        const inserted = await tx.begin(
          {
            sql: `INSERT INTO inbox_message (event_id, consumer, type, aggregate_id) VALUES ($1, $2, $3, $4)
                  ON CONFLICT (event_id, consumer) DO NOTHING RETURNING event_id`,
            params: [inbox.eventId, inbox.consumer ?? this.options.serviceName, inbox.type, inbox.aggregateId],
          },
          opts.isolation,
        );
        if (inserted.rowCount === 0) {
          await tx.rollback();
          return { duplicate: true };
        }
        const { result, rows, atCommit } = await this.collectOutbox(tx.manager, work);
        await tx.commit(rows.length > 0 ? [...atCommit, outboxInsert(rows, 0)] : atCommit);
        return { duplicate: false, result };
      } finally {
        await tx.release();
      }
    });
  }

  /**
   * Parks a poison event: a `dead` inbox record with the envelope and the error. Every redelivery of it is then
   * a duplicate (skipped), the timeline shows it, and `replayParked` sends it again. Pass it as
   * `handleKafkaEvent(ctx, handler, { onPoison: uow.parkPoisonEvent })`.
   */
  readonly parkPoisonEvent = async (event: ParkableEvent, reason: ParkReason, consumer?: string): Promise<void> => {
    const error = reason.error instanceof Error ? `${reason.error.name}: ${reason.error.message}` : String(reason.error);
    await this.dataSource.query(
      `INSERT INTO inbox_message (event_id, consumer, type, aggregate_id, status, topic, envelope, last_error, attempts)
       VALUES ($1, $2, $3, $4, 'dead', $5, $6::jsonb, $7, $8)
       ON CONFLICT (event_id, consumer) DO NOTHING`,
      [
        event.id,
        consumer ?? this.options.serviceName,
        event.type,
        event.aggregateId,
        reason.meta.topic,
        JSON.stringify(event),
        error.slice(0, 2000),
        reason.attempts,
      ],
    );
  };

  /**
   * Replays a parked event: removes its dead inbox record and, in the same transaction, puts the envelope (same
   * id) in this service's outbox for its original topic. The relay republishes it; this consumer applies it
   * once, other consumers of the topic dedupe it. False when no parked event has this id.
   */
  async replayParked(eventId: string, consumer?: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const [rows] = (await manager.query(
        `DELETE FROM inbox_message WHERE event_id = $1 AND consumer = $2 AND status = 'dead' RETURNING topic, envelope`,
        [eventId, consumer ?? this.options.serviceName],
      )) as [{ topic: string; envelope: ParkableEvent }[], number];
      if (rows.length === 0) return false;
      const { topic, envelope } = rows[0];
      await manager.query(
        `INSERT INTO outbox_message (id, topic, key, type, payload) VALUES ($1::uuid, $2, $3, $4, $5::jsonb)
         ON CONFLICT (id) DO UPDATE SET status = 'pending', attempts = 0, available_at = now(), published_at = NULL`,
        [envelope.id, topic, envelope.aggregateId, envelope.type, JSON.stringify(envelope.payload)],
      );
      return true;
    });
  }

  private transaction<T>(opts: RunOptions, fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return inChildSpan('pg transaction', { kind: SpanKind.CLIENT, attributes: TRANSACTION_SPAN_ATTRIBUTES }, () =>
      opts.isolation ? this.dataSource.transaction(opts.isolation, fn) : this.dataSource.transaction(fn),
    );
  }

  private async withOutbox<T>(manager: EntityManager, work: (ctx: UnitOfWorkContext) => Promise<T>): Promise<T> {
    const { result, rows, atCommit } = await this.collectOutbox(manager, work);
    for (const statement of atCommit) await manager.query(statement.sql, statement.params ? [...statement.params] : undefined);
    if (rows.length > 0) {
      const outbox = outboxInsert(rows, 0);
      await manager.query(outbox.sql, outbox.params);
    }
    return result;
  }

  /** Runs the work with a `publish` that collects its outbox rows (for the caller to insert in the same transaction). */
  private async collectOutbox<T>(
    manager: EntityManager,
    work: (ctx: UnitOfWorkContext) => Promise<T>,
  ): Promise<{ result: T; rows: PendingRow[]; atCommit: Statement[] }> {
    const rows: PendingRow[] = [];
    const atCommit: Statement[] = [];
    let open = true;
    const requestId = currentRequestId();
    const publish = (event: OutboundEvent): string => {
      if (!open) throw new Error('publish() called after its unit of work ended: the event would not be in the transaction');
      if (rows.length >= this.maxEvents) throw new OutboxLimitError(`a unit of work may publish at most ${this.maxEvents} events`);
      const row = this.pendingRow(event, requestId);
      rows.push(row);
      return row.id;
    };
    const queueAtCommit = (statement: Statement): void => {
      if (!open) throw new Error('atCommit() called after its unit of work ended: the statement would not be in the transaction');
      atCommit.push(statement);
    };
    try {
      return { result: await work({ manager, publish, atCommit: queueAtCommit }), rows, atCommit };
    } finally {
      open = false;
    }
  }

  /** An event as its outbox row: the payload checked against the bounds, the headers of the current context. */
  private pendingRow(event: OutboundEvent, requestId: string | undefined): PendingRow {
    const payload = JSON.stringify(event.payload);
    if (payload === undefined) throw new OutboxLimitError(`event ${event.type} has no JSON payload`);
    if (Buffer.byteLength(payload) > this.maxPayloadBytes) {
      throw new OutboxLimitError(`event ${event.type} payload is over ${this.maxPayloadBytes} bytes`);
    }
    const headers = requestId ? { [REQUEST_ID_HEADER]: requestId } : {};
    // The active span (this transaction's, or a step inside it): the relay's publish, much later, continues the
    // trace from the work that wrote the row.
    const traceparent = traceparentOf() ?? null;
    return { id: randomUUID(), topic: event.topic, key: event.aggregateId, type: event.type, payload, headers: JSON.stringify(headers), traceparent };
  }
}

const TRANSACTION_SPAN_ATTRIBUTES = { 'db.system.name': 'postgresql', 'db.operation.name': 'TRANSACTION' };

/**
 * One multi-row INSERT, in publish order (seq follows the VALUES order), its placeholders numbered after
 * `firstParam` (so that it can sit in a CTE in front of another statement's parameters).
 */
function outboxInsert(rows: readonly PendingRow[], firstParam: number): { sql: string; params: (string | null)[] } {
  const params: (string | null)[] = [];
  const values = rows.map((row) => {
    const base = firstParam + params.length;
    params.push(row.id, row.topic, row.key, row.type, row.payload, row.headers, row.traceparent);
    return `($${base + 1}::uuid, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5}::jsonb, $${base + 6}::jsonb, $${base + 7})`;
  });
  return { sql: `INSERT INTO outbox_message (id, topic, key, type, payload, headers, traceparent) VALUES ${values.join(', ')}`, params };
}
