import { traceIdOf } from '@shop/common';
import { DataSource, EntityManager } from 'typeorm';

export interface OutboxStats {
  pending: number;
  dead: number;
  /** Age of the oldest pending row; 0 when nothing is pending. */
  oldestPendingAgeMs: number;
  /** Published rows still kept (until the retention cleanup removes them). */
  published: number;
  /** Consumed events parked as poison in the inbox (waiting for a replay). */
  parkedInbound: number;
}

/** One step of an aggregate's saga as this service saw it. */
export interface TimelineEntry {
  eventId: string;
  type: string;
  /** 'out': written to this service's outbox; 'in': consumed through its inbox. */
  direction: 'out' | 'in';
  /** ISO-8601: when the outbox row was written, or when the inbox record was. */
  at: string;
  /** Outbox: pending | published | dead. Inbox: processed | dead (a parked poison event). */
  status: string;
  /** The trace of the work that wrote an outbox row (null: tracing off, not sampled, or an inbox record). */
  traceId: string | null;
}

/** Bound on one timeline answer: a saga has a handful of events per service. */
export const MAX_TIMELINE_ENTRIES = 500;

/** Read-only questions about the outbox and inbox (the operations console, metrics, health). */
export class OutboxQueries {
  constructor(private readonly dataSource: DataSource) {}

  async stats(): Promise<OutboxStats> {
    const [row] = (await this.dataSource.query(`
      SELECT
        (SELECT count(*) FROM outbox_message WHERE status = 'pending')::int AS pending,
        (SELECT count(*) FROM outbox_message WHERE status = 'dead')::int AS dead,
        (SELECT count(*) FROM outbox_message WHERE status = 'published')::int AS published,
        (SELECT count(*) FROM inbox_message WHERE status = 'dead')::int AS parked,
        COALESCE((SELECT floor(extract(epoch FROM clock_timestamp() - min(created_at)) * 1000)
                    FROM outbox_message WHERE status = 'pending'), 0)::bigint AS oldest`)) as {
      pending: number;
      dead: number;
      published: number;
      parked: number;
      oldest: string;
    }[];
    return {
      pending: row.pending,
      dead: row.dead,
      published: row.published,
      oldestPendingAgeMs: Math.max(0, Number(row.oldest)),
      parkedInbound: row.parked,
    };
  }

  async timeline(aggregateId: string): Promise<TimelineEntry[]> {
    const rows = (await this.dataSource.query(
      `SELECT event_id, type, direction, at, status, traceparent FROM (
         SELECT id::text AS event_id, type, 'out' AS direction, created_at AS at, status, seq AS tiebreak, traceparent
           FROM outbox_message WHERE key = $1
         UNION ALL
         SELECT event_id, type, 'in' AS direction, received_at AS at, status, 0 AS tiebreak, NULL AS traceparent
           FROM inbox_message WHERE aggregate_id = $1
       ) AS steps
       ORDER BY at, direction, tiebreak
       LIMIT ${MAX_TIMELINE_ENTRIES}`,
      [aggregateId],
    )) as { event_id: string; type: string; direction: 'out' | 'in'; at: Date; status: string; traceparent: string | null }[];
    return rows.map((r) => ({
      eventId: r.event_id,
      type: r.type,
      direction: r.direction,
      at: r.at.toISOString(),
      status: r.status,
      traceId: traceIdOf(r.traceparent) ?? null,
    }));
  }
}

/**
 * The trace an aggregate's first traced outbox row belongs to (its saga's trace), for work that acts on the
 * aggregate without a request of its own (the saga timeout); undefined when none was traced or it was cleaned up.
 */
export async function firstTraceparentOf(manager: EntityManager, aggregateId: string): Promise<string | undefined> {
  const rows = (await manager.query(
    `SELECT traceparent FROM outbox_message WHERE key = $1 AND traceparent IS NOT NULL ORDER BY created_at LIMIT 1`,
    [aggregateId],
  )) as { traceparent: string }[];
  return rows[0]?.traceparent;
}
