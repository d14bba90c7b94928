import { countDatabaseRoundTrip } from '@shop/common';
import type { PoolClient, QueryResult } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/** An outbox row as a relay pass claims it. */
export interface ClaimedRow {
  id: string;
  topic: string;
  key: string;
  type: string;
  payload: unknown;
  headers: Record<string, string>;
  /** The trace context of the work that wrote the row (W3C traceparent), or null when tracing was off. */
  traceparent: string | null;
  attempts: number;
  created_at: Date;
}

/*
 * The claim: the head of a key is its oldest pending row (by seq). Each pass takes the available heads in seq
 * order (their backoff is over), locked with FOR UPDATE SKIP LOCKED for the length of the pass's transaction.
 *
 * Why this keeps per-key order with several relays: a key's head stays `pending` (and locked) until the relay
 * that holds it commits. Another relay sees the same head, finds it locked and skips it, and the key's next row
 * is not a head while the first one is pending (NOT EXISTS): at most one event per key is in flight. A head in
 * backoff blocks its key (later rows wait: order beats latency) until it is published or dead. The outer
 * `status = 'pending'` is re-checked by Postgres on a row that another relay updated meanwhile (READ COMMITTED
 * re-evaluation), so a head published a moment ago is not published again.
 *
 * Why not a high-water mark: rows are selected by state. A row with a lower seq that commits later is still
 * pending, and is picked up by the next pass.
 *
 * Cost: the scan walks pending rows in seq order (outbox_message_pending_seq) and stops after `batchSize` heads,
 * each checked through outbox_message_pending_key; a backlog of many keys costs about the batch, not the backlog.
 */
function claimSql(batchSize: number): string {
  return `
  SELECT o.id, o.topic, o.key, o.type, o.payload, o.headers, o.traceparent, o.attempts, o.created_at
    FROM outbox_message o
   WHERE o.status = 'pending'
     AND o.available_at <= now()
     AND NOT EXISTS (SELECT 1 FROM outbox_message earlier
                      WHERE earlier.key = o.key AND earlier.status = 'pending' AND earlier.seq < o.seq)
   ORDER BY o.seq
   LIMIT ${batchSize}
   FOR UPDATE OF o SKIP LOCKED`;
}

/**
 * Marks the published rows and, in the same round trip, tells whether one of their keys has a later pending row
 * (now the key's head: the next pass must follow at once). A row committed after this statement's snapshot is
 * not seen here, but its NOTIFY wakes the relay.
 */
function markPublishedSql(idsLiteral: string): string {
  return `
  WITH marked AS (
    UPDATE outbox_message SET status = 'published', published_at = now(), attempts = attempts + 1, last_error = NULL
     WHERE id = ANY('${idsLiteral}'::uuid[])
     RETURNING key, seq)
  SELECT EXISTS (SELECT 1 FROM outbox_message later JOIN marked ON later.key = marked.key
                  WHERE later.status = 'pending' AND later.seq > marked.seq) AS more`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One relay pass's transaction on a pooled connection, in as few round trips as the protocol allows: an idle
 * pass is two (BEGIN + bound + claim, then COMMIT), a pass that published is two (the claim, then mark +
 * COMMIT), where TypeORM's query runner took four and five. Postgres runs a multi-statement simple query as
 * written; its statements take no parameters, so the only values put in the text are the batch size and the
 * timeout (integers) and the claimed rows' ids (uuids read from the table, checked again here).
 */
export class RelayTransaction {
  private open = false;
  /** The connection failed while checked out (the server ended the session): it is dropped, not pooled again. */
  private broken: Error | undefined;
  private readonly onError = (error: Error): void => {
    this.broken = error;
  };

  private constructor(
    private readonly client: PoolClient,
    private readonly releaseToPool: (destroy?: boolean | Error) => void,
  ) {
    // pg emits a session's failure between queries as an 'error' event; unheard, it would end the process.
    client.on('error', this.onError);
  }

  static async connect(dataSource: DataSource): Promise<RelayTransaction> {
    const driver = dataSource.driver as PostgresDriver;
    const [client, release] = (await driver.obtainMasterConnection()) as [PoolClient, (destroy?: boolean | Error) => void];
    return new RelayTransaction(client, release);
  }

  /** BEGIN, the transaction's bound (the server ends it if the relay hangs) and the claim: one round trip. */
  async claim(batchSize: number, transactionTimeoutMs: number): Promise<ClaimedRow[]> {
    this.open = true;
    const results = await this.send(
      `BEGIN; SET LOCAL idle_in_transaction_session_timeout = ${integer(transactionTimeoutMs)}; ${claimSql(integer(batchSize))}`,
    );
    return results[results.length - 1]!.rows as ClaimedRow[];
  }

  /** Marks the rows published and commits: one round trip. True when a key of theirs has a later pending row. */
  async markPublishedAndCommit(ids: readonly string[]): Promise<boolean> {
    for (const id of ids) if (!UUID.test(id)) throw new Error(`outbox row id ${JSON.stringify(id)} is not a uuid`);
    const results = await this.send(`${markPublishedSql(`{${ids.join(',')}}`)}; COMMIT`);
    this.open = false;
    return (results[0]!.rows[0] as { more: boolean }).more;
  }

  /** A parameterized statement inside the transaction (the rare paths: marking failures). */
  async query<T>(sql: string, params: unknown[]): Promise<T[]> {
    countDatabaseRoundTrip();
    return (await this.client.query(sql, params)).rows as T[];
  }

  async commit(): Promise<void> {
    await this.send('COMMIT');
    this.open = false;
  }

  /** Rolls back what is open and returns the connection to the pool (dropped when broken or the rollback fails). */
  async end(): Promise<void> {
    if (this.open && !this.broken) {
      try {
        await this.send('ROLLBACK');
        this.open = false;
      } catch (error) {
        this.broken = error instanceof Error ? error : new Error(String(error));
      }
    }
    this.client.off('error', this.onError);
    this.releaseToPool(this.broken ?? (this.open ? true : undefined));
  }

  private async send(sql: string): Promise<QueryResult[]> {
    countDatabaseRoundTrip();
    const result = (await this.client.query(sql)) as QueryResult | QueryResult[];
    return Array.isArray(result) ? result : [result];
  }
}

function integer(n: number): number {
  if (!Number.isSafeInteger(Math.floor(n)) || n < 0) throw new Error(`${n} is not a non-negative integer`);
  return Math.floor(n);
}
