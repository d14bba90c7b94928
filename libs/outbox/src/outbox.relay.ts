import { createLogger } from '@shop/common';
import { EventPublisher, isBrokerUnavailable, PublishMessage } from '@shop/messaging';
import { Client as PgClient, ClientConfig as PgClientConfig } from 'pg';
import { DataSource } from 'typeorm';
import { BackoffPolicy, backoffDelayMs, DEFAULT_BACKOFF } from './backoff';
import { outboxMetrics, registerStatsSource, StatsSource } from './outbox.metrics';
import { PublishSpans } from './outbox-publish-spans';
import { OutboxQueries, OutboxStats } from './outbox.queries';
import { OUTBOX_NOTIFY_CHANNEL } from './outbox-tables.migration';
import { ClaimedRow, RelayTransaction } from './relay-transaction';

export interface OutboxRelayOptions {
  /** Labels metrics and logs. */
  serviceName: string;
  /** Most rows claimed (and so published) per pass; one row per key per pass. */
  batchSize?: number;
  /** Fallback poll: NOTIFY is only a hint (lost while the listener is disconnected). */
  pollIntervalMs?: number;
  /**
   * After this many failed attempts a row is parked as `dead` (alert, replayable). With the default backoff,
   * 15 attempts span about 14 minutes of continuous failure: a longer Kafka outage dead-letters the oldest rows.
   */
  maxAttempts?: number;
  /** Backoff of a row after each failed attempt (the relay itself pauses at most 10 s between failed passes). */
  backoff?: Partial<BackoffPolicy>;
  /** Published outbox rows are deleted after this long. */
  retentionMs?: number;
  /**
   * Inbox records are deleted after this long. Must exceed how long a duplicate can still arrive (Kafka's topic
   * retention, or a relay's replay): an event redelivered after its record is gone would be applied again.
   */
  inboxRetentionMs?: number;
  cleanupIntervalMs?: number;
  /** Rows deleted per cleanup statement, so one cleanup never holds long locks. */
  cleanupChunk?: number;
  /**
   * The LISTEN connection; by default derived from the DataSource's options. `false`: poll only.
   */
  listen?: PgClientConfig | false;
  /** Bound on a claim transaction (the publish happens inside it): the server ends a stuck one. */
  transactionTimeoutMs?: number;
}

export interface RelayPassResult {
  claimed: number;
  published: number;
  failed: number;
  dead: number;
}

/** Marks published rows (the failure path's parameterized form; a pass without failure uses relay-transaction.ts'). */
const MARK_PUBLISHED_SQL = `UPDATE outbox_message SET status = 'published', published_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY($1::uuid[])`;

const MAX_ERROR_LENGTH = 2000;

/**
 * Publishes the local message table (本地消息表) to Kafka: one per service process, always running (eShop's
 * outbox had no relay, so events written while the bus was down were never sent). Woken by LISTEN/NOTIFY,
 * polling as a fallback; safe with several instances; at least once (a crash between publish and mark
 * republishes; the consumers' inbox absorbs the duplicate).
 */
export class OutboxRelay implements StatsSource {
  readonly serviceName: string;
  private readonly logger = createLogger('outbox-relay');
  private readonly queries: OutboxQueries;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxAttempts: number;
  private readonly backoff: BackoffPolicy;
  private readonly relayBackoff: BackoffPolicy;
  private readonly retentionMs: number;
  private readonly inboxRetentionMs: number;
  private readonly cleanupIntervalMs: number;
  private readonly cleanupChunk: number;
  private readonly transactionTimeoutMs: number;

  private running = false;
  private stopping = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wakeRequested = false;
  private wakeSleeper: (() => void) | undefined;
  private failedPasses = 0;
  private listener: PgClient | undefined;
  private listenerRetry: NodeJS.Timeout | undefined;
  private cleanupTimer: NodeJS.Timeout | undefined;
  private cleanupInProgress: Promise<unknown> = Promise.resolve();
  private unregisterStats: (() => void) | undefined;
  private statsCache: { at: number; value: Promise<OutboxStats> } | undefined;
  private lastPublishError: string | undefined;
  /** The last failure was the broker's (an outage): rows wait in backoff that a recovery should cut short. */
  private brokerDown = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: EventPublisher,
    private readonly options: OutboxRelayOptions,
  ) {
    this.serviceName = options.serviceName;
    this.queries = new OutboxQueries(dataSource);
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.maxAttempts = options.maxAttempts ?? 15;
    this.backoff = { ...DEFAULT_BACKOFF, maxMs: 120_000, ...options.backoff };
    this.relayBackoff = { ...this.backoff, baseMs: Math.min(200, this.backoff.baseMs), maxMs: Math.min(10_000, this.backoff.maxMs) };
    this.retentionMs = options.retentionMs ?? 7 * 24 * 3600_000;
    this.inboxRetentionMs = options.inboxRetentionMs ?? 30 * 24 * 3600_000;
    this.cleanupIntervalMs = options.cleanupIntervalMs ?? 10 * 60_000;
    this.cleanupChunk = options.cleanupChunk ?? 1000;
    this.transactionTimeoutMs = options.transactionTimeoutMs ?? 60_000;
  }

  /** Starts the loop, the listener and the cleanup timer. Resolves once the first pass was scheduled. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.unregisterStats = registerStatsSource(this);
    if (this.options.listen !== false) await this.connectListener();
    this.cleanupTimer = setInterval(() => this.scheduleCleanup(), this.cleanupIntervalMs);
    this.cleanupTimer.unref();
    this.loopDone = this.loop();
  }

  /** Graceful stop: the pass in progress finishes (its batch is published and marked), then nothing more. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopping = true;
    this.wake();
    clearInterval(this.cleanupTimer);
    clearTimeout(this.listenerRetry);
    await this.loopDone;
    await this.cleanupInProgress;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch((error: unknown) => this.logger.event('warn', 'closing the LISTEN connection failed', { error: String(error) }));
    this.unregisterStats?.();
    this.stopping = false;
  }

  /** Asks for a pass now (NOTIFY, tests, after a replay). */
  wake(): void {
    this.wakeRequested = true;
    this.wakeSleeper?.();
  }

  /** Whether the last publish failed, and why (health details; Kafka being down is not the service being down). */
  lastError(): string | undefined {
    return this.lastPublishError;
  }

  /**
   * One pass: claim the available head of up to `batchSize` keys, publish, mark, commit. Rows never attempted
   * before go out in one call per topic; a row that failed before is published on its own, so that one poison
   * row cannot make its batch-mates fail (and die) with it. The first failing call ends the pass: while Kafka
   * is down, a pass costs one timeout, not one per group.
   */
  async relayOnce(): Promise<RelayPassResult> {
    return (await this.pass()).result;
  }

  /**
   * A pass, and whether another one should follow at once: a full batch (more heads may wait), or a published
   * row whose key has a later pending row (it became a head). Anything committed after the pass's snapshot
   * NOTIFYs, which wakes the relay anyway; so an idle relay runs one pass per wake-up, not two.
   */
  private async pass(): Promise<{ result: RelayPassResult; more: boolean }> {
    // The claim and the mark are raw pg on a pooled connection (relay-transaction.ts): two round trips a pass.
    const tx = await RelayTransaction.connect(this.dataSource);
    try {
      const rows = await tx.claim(this.batchSize, this.transactionTimeoutMs);
      const result: RelayPassResult = { claimed: rows.length, published: 0, failed: 0, dead: 0 };
      const published: ClaimedRow[] = [];
      let failure: { rows: ClaimedRow[]; error: string; brokerDown: boolean } | undefined;
      for (const group of this.groupsOf(rows)) {
        const started = process.hrtime.bigint();
        const spans = new PublishSpans(group, this.serviceName);
        try {
          await this.publisher.publish(group[0].topic, group.map((row, i) => toMessage(row, spans.headers(i))));
          spans.end();
          outboxMetrics.publishDuration.observe({ service: this.serviceName }, Number(process.hrtime.bigint() - started) / 1e9);
          published.push(...group);
        } catch (error) {
          spans.end(error);
          failure = { rows: group, error: describe(error), brokerDown: isBrokerUnavailable(error) };
          break;
        }
      }
      let laterRows = false;
      if (failure) {
        // The rare path: the failed rows' backoff is parameterized, so the mark and the commit go one by one.
        if (published.length > 0) await tx.query(MARK_PUBLISHED_SQL, [published.map((r) => r.id)]);
        result.dead = await this.markFailed((sql, params) => tx.query(sql, params), failure.rows, failure.error, failure.brokerDown);
        await tx.commit();
      } else if (published.length > 0) {
        laterRows = await tx.markPublishedAndCommit(published.map((r) => r.id));
      } else {
        await tx.commit();
      }

      const now = Date.now();
      for (const row of published) {
        outboxMetrics.published.inc({ service: this.serviceName, topic: row.topic });
        outboxMetrics.deliveryLatency.observe({ service: this.serviceName }, Math.max(0, now - new Date(row.created_at).getTime()) / 1000);
      }
      result.published = published.length;
      if (published.length > 0 && this.brokerDown) await this.brokerRecovered();
      if (failure) {
        this.brokerDown ||= failure.brokerDown;
        result.failed = failure.rows.length;
        this.lastPublishError = failure.error;
        outboxMetrics.publishFailures.inc({ service: this.serviceName, topic: failure.rows[0].topic }, failure.rows.length);
        this.logger.event('warn', 'outbox publish failed; rows stay pending with backoff', {
          service: this.serviceName,
          rows: failure.rows.length,
          error: failure.error,
        });
      } else if (published.length > 0) {
        this.lastPublishError = undefined;
      }
      return { result, more: published.length > 0 && !failure && (laterRows || rows.length >= this.batchSize) };
    } finally {
      await tx.end();
    }
  }

  /** Puts a dead row back to pending with fresh attempts; false when no dead row has this id. */
  async replayDead(id: string): Promise<boolean> {
    const [, count] = (await this.dataSource.query(
      `UPDATE outbox_message SET status = 'pending', attempts = 0, available_at = now() WHERE id = $1::uuid AND status = 'dead'`,
      [id],
    )) as [unknown, number];
    if (count > 0) {
      this.logger.event('log', 'dead outbox row replayed', { service: this.serviceName, id });
      this.wake();
    }
    return count > 0;
  }

  /**
   * Deletes published outbox rows older than the retention, and inbox records older than theirs, in bounded
   * chunks. Pending and dead rows are never deleted.
   */
  async cleanup(): Promise<{ outbox: number; inbox: number }> {
    const outbox = await this.deleteInChunks(
      `DELETE FROM outbox_message WHERE id IN (
         SELECT id FROM outbox_message
          WHERE status = 'published' AND published_at < now() - ($1::bigint * interval '1 millisecond')
          LIMIT $2)`,
      this.retentionMs,
    );
    const inbox = await this.deleteInChunks(
      `DELETE FROM inbox_message WHERE (event_id, consumer) IN (
         SELECT event_id, consumer FROM inbox_message
          WHERE received_at < now() - ($1::bigint * interval '1 millisecond')
          LIMIT $2)`,
      this.inboxRetentionMs,
    );
    if (outbox + inbox > 0) this.logger.event('log', 'outbox retention cleanup', { service: this.serviceName, outbox, inbox });
    return { outbox, inbox };
  }

  stats(): Promise<OutboxStats> {
    return this.queries.stats();
  }

  /** Stats at most one second old: scrapes and health checks do not each hit the database. */
  cachedStats(): Promise<OutboxStats> {
    const now = Date.now();
    if (!this.statsCache || now - this.statsCache.at > 1000) {
      const value = this.queries.stats();
      this.statsCache = { at: now, value };
      value.catch(() => (this.statsCache = undefined));
    }
    return this.statsCache.value;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      // A pass takes one event per key, so a key's next event becomes a head only after the pass: keep going
      // while a pass leaves heads behind (`more`), and otherwise sleep until a NOTIFY or the poll.
      let progressed = false;
      try {
        const { result: pass, more } = await this.pass();
        // Every row waits in backoff after an outage: ask the broker itself whether it is back.
        if (pass.claimed === 0 && this.brokerDown) await this.probeBroker();
        this.failedPasses = pass.failed > 0 || this.brokerDown ? this.failedPasses + 1 : 0;
        progressed = more;
      } catch (error) {
        this.failedPasses += 1;
        this.logger.event('error', 'outbox relay pass failed', { service: this.serviceName, error: describe(error) });
      }
      if (!this.running) break;
      if (this.failedPasses > 0) {
        // Kafka (or the database) is down: back off as a whole, NOTIFY wake-ups included.
        await this.sleep(backoffDelayMs(this.failedPasses, this.relayBackoff), false);
      } else if (!progressed) {
        await this.sleep(this.pollIntervalMs, true);
      }
    }
  }

  private sleep(ms: number, wakeable: boolean): Promise<void> {
    if (wakeable && this.wakeRequested) {
      this.wakeRequested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeSleeper = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeSleeper = () => {
        // A stop always ends the sleep; a NOTIFY only when the relay is not backing off.
        if (!this.running || wakeable) {
          this.wakeRequested = false;
          done();
        }
      };
    });
  }

  /**
   * Kafka answers again: rows that waited out the outage in backoff go now, instead of up to `backoff.maxMs`
   * later. (A poison row in backoff is released too; its attempts still lead it to `dead`.)
   */
  private async brokerRecovered(): Promise<void> {
    this.brokerDown = false;
    const [, released] = (await this.dataSource.query(
      `UPDATE outbox_message SET available_at = now() WHERE status = 'pending' AND available_at > now()`,
    )) as [unknown, number];
    this.logger.event('log', 'Kafka is back; rows waiting in backoff are released', { service: this.serviceName, released });
    this.wake();
  }

  private async probeBroker(): Promise<void> {
    if (!this.publisher.probe) return;
    try {
      await this.publisher.probe({ signal: AbortSignal.timeout(5000) });
    } catch {
      return; // still down: the next pass asks again after the relay's backoff
    }
    await this.brokerRecovered();
  }

  /** First-time rows: one call per topic. Retried rows: one call each. */
  private groupsOf(rows: readonly ClaimedRow[]): ClaimedRow[][] {
    const fresh = new Map<string, ClaimedRow[]>();
    const retried: ClaimedRow[][] = [];
    for (const row of rows) {
      if (row.attempts > 0) {
        retried.push([row]);
        continue;
      }
      const group = fresh.get(row.topic) ?? [];
      group.push(row);
      fresh.set(row.topic, group);
    }
    return [...fresh.values(), ...retried];
  }

  private async markFailed(
    query: (sql: string, params: unknown[]) => Promise<unknown[]>,
    rows: readonly ClaimedRow[],
    error: string,
    brokerDown: boolean,
  ): Promise<number> {
    // An outage is not the message's fault: it backs off but spends no attempt, so a long outage can never
    // dead-letter an event (a dead OrderConfirmed would leave stock reserved for good; eShop #279). Only a
    // failure of this message counts toward the dead-letter state.
    const attemptsSpent = brokerDown ? 0 : 1;
    const delays = rows.map((r) => backoffDelayMs(r.attempts + 1, this.backoff));
    const updated = (await query(
      `UPDATE outbox_message AS o
          SET attempts = o.attempts + $5::int,
              last_error = $2,
              status = CASE WHEN $5::int > 0 AND o.attempts + 1 >= $3 THEN 'dead' ELSE 'pending' END,
              available_at = now() + (v.delay_ms * interval '1 millisecond')
         FROM unnest($1::uuid[], $4::int[]) AS v(id, delay_ms)
        WHERE o.id = v.id
        RETURNING o.id, o.topic, o.key, o.type, o.attempts, o.status`,
      [rows.map((r) => r.id), error.slice(0, MAX_ERROR_LENGTH), this.maxAttempts, delays, attemptsSpent],
    )) as { id: string; topic: string; key: string; type: string; attempts: number; status: string }[];
    const dead = updated.filter((r) => r.status === 'dead');
    for (const row of dead) {
      outboxMetrics.dead.inc({ service: this.serviceName, topic: row.topic });
      this.logger.event('error', 'outbox row is dead after its last attempt; replay it once the cause is fixed', {
        alert: 'outbox_dead_letter',
        service: this.serviceName,
        ...row,
        error,
      });
    }
    return dead.length;
  }

  private async deleteInChunks(sql: string, olderThanMs: number): Promise<number> {
    let total = 0;
    for (;;) {
      const [, count] = (await this.dataSource.query(sql, [Math.floor(olderThanMs), this.cleanupChunk])) as [unknown, number];
      total += count;
      if (count < this.cleanupChunk || this.stopping) return total;
    }
  }

  private scheduleCleanup(): void {
    this.cleanupInProgress = this.cleanupInProgress.then(() =>
      this.cleanup().catch((error: unknown) =>
        this.logger.event('error', 'outbox retention cleanup failed', { service: this.serviceName, error: describe(error) }),
      ),
    );
  }

  private async connectListener(): Promise<void> {
    const client = new PgClient({ ...this.listenConfig(), connectionTimeoutMillis: 5000, keepAlive: true });
    const reconnect = (reason: unknown): void => {
      if (this.listener !== client) return;
      this.listener = undefined;
      client.end().catch(() => undefined);
      if (!this.running) return;
      this.logger.event('warn', 'LISTEN connection lost; polling until it is back', { service: this.serviceName, error: describe(reason) });
      this.listenerRetry = setTimeout(() => void this.connectListener(), this.pollIntervalMs);
    };
    client.on('notification', () => this.wake());
    client.on('error', reconnect);
    client.on('end', () => reconnect(new Error('connection ended')));
    this.listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_NOTIFY_CHANNEL}`);
      // Notifications sent while we were not listening are lost: look now.
      this.wake();
    } catch (error) {
      reconnect(error);
    }
  }

  private listenConfig(): PgClientConfig {
    if (this.options.listen) return this.options.listen;
    const o = this.dataSource.options as {
      url?: string;
      host?: string;
      port?: number;
      username?: string;
      password?: string | (() => string | Promise<string>);
      database?: string;
    };
    return o.url
      ? { connectionString: o.url }
      : { host: o.host, port: o.port, user: o.username, password: o.password, database: o.database };
  }
}

function toMessage(row: ClaimedRow, traceHeaders: Record<string, string>): PublishMessage {
  const envelope = {
    id: row.id,
    type: row.type,
    aggregateId: row.key,
    occurredAt: new Date(row.created_at).toISOString(),
    payload: row.payload,
  };
  return { key: row.key, value: JSON.stringify(envelope), headers: { ...row.headers, ...traceHeaders, 'event-type': row.type } };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
