import { BrokerUnavailableError, EventPublisher, KafkaEventPublisher, PublishMessage } from '@shop/messaging';
import { eventually } from '@shop/testing';
import { Client as PgClient } from 'pg';
import { DataSource } from 'typeorm';
import { OutboxQueries } from './outbox.queries';
import { OutboxRelay, OutboxRelayOptions } from './outbox.relay';
import { consumeUntil, createTestTopic, deleteTestTopics, readWholeTopic, TEST_BROKERS, TEST_KAFKA_ADMIN, ConsumedMessage } from './testing/kafka-test-topic';
import { createThrowawayDatabase, ThrowawayDatabase } from './testing/throwaway-database';
import { UnitOfWork } from './unit-of-work';

jest.setTimeout(90_000);

interface Envelope {
  id: string;
  type: string;
  aggregateId: string;
  occurredAt: string;
  payload: { n: number };
}

const envelopeOf = (m: ConsumedMessage): Envelope => JSON.parse(m.value) as Envelope;

/** Holds every publish at a gate: `entered` resolves once a publish waits there, `openGate` lets them through. */
function gatedPublisher(publisher: EventPublisher): { gated: EventPublisher; entered: Promise<void>; openGate: () => void } {
  let enterGate!: () => void;
  const entered = new Promise<void>((r) => (enterGate = r));
  let openGate!: () => void;
  const gate = new Promise<void>((r) => (openGate = r));
  const gated: EventPublisher = {
    publish: async (t, messages) => {
      enterGate();
      await gate;
      await publisher.publish(t, messages);
    },
  };
  return { gated, entered, openGate };
}

describe('OutboxRelay (real Postgres and Kafka)', () => {
  let db: ThrowawayDatabase;
  let uow: UnitOfWork;
  let publisher: KafkaEventPublisher;
  const topics: string[] = [];
  const relays: OutboxRelay[] = [];

  const newTopic = async (name: string): Promise<string> => {
    const topic = await createTestTopic(name);
    topics.push(topic);
    return topic;
  };
  const newRelay = (opts: Partial<OutboxRelayOptions> = {}, via: EventPublisher = publisher, ds: DataSource = db.dataSource): OutboxRelay => {
    const relay = new OutboxRelay(ds, via, { serviceName: 'test', listen: false, pollIntervalMs: 50, ...opts });
    relays.push(relay);
    return relay;
  };
  const write = (topic: string, key: string, n: number): Promise<string> =>
    uow.run(async ({ publish }) => publish({ topic, type: 'Counted', aggregateId: key, payload: { n } }));
  const row = async (id: string) =>
    ((await db.dataSource.query(`SELECT status, attempts, last_error, available_at, published_at FROM outbox_message WHERE id = $1`, [id])) as {
      status: string;
      attempts: number;
      last_error: string | null;
      available_at: Date;
      published_at: Date | null;
    }[])[0];
  const pendingCount = async (): Promise<number> =>
    ((await db.dataSource.query(`SELECT count(*)::int AS n FROM outbox_message WHERE status = 'pending'`)) as { n: number }[])[0].n;

  beforeAll(async () => {
    db = await createThrowawayDatabase('relay_it');
    uow = new UnitOfWork(db.dataSource, { serviceName: 'test' });
    publisher = new KafkaEventPublisher({ clientId: 'relay-it', brokers: TEST_BROKERS, credentials: TEST_KAFKA_ADMIN });
    await publisher.connect();
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    // Each test starts from an empty outbox, so one test's rows never reach another's relay.
    await db.dataSource.query(`DELETE FROM outbox_message`);
    await db.dataSource.query(`DELETE FROM inbox_message`);
  });
  afterAll(async () => {
    await publisher.disconnect();
    await deleteTestTopics(topics);
    await db.drop();
  });

  it('publishes a committed row as the contract envelope, keyed by aggregate, and marks it published', async () => {
    const topic = await newTopic('envelope');
    const id = await uow.run(async ({ publish }) => publish({ topic, type: 'Counted', aggregateId: 'order-1', payload: { n: 7 } }));
    const pass = await newRelay().relayOnce();
    expect(pass).toEqual({ claimed: 1, published: 1, failed: 0, dead: 0 });
    const [message] = await consumeUntil(topic, (m) => m.length >= 1);
    expect(message.key).toBe('order-1');
    expect(envelopeOf(message)).toEqual({ id, type: 'Counted', aggregateId: 'order-1', occurredAt: expect.any(String), payload: { n: 7 } });
    expect(message.headers['event-type']).toBe('Counted');
    expect(await row(id)).toMatchObject({ status: 'published', attempts: 1, last_error: null });
  });

  it('a pass costs two round trips to the database, idle or publishing (each statement used to be one)', async () => {
    const topic = await newTopic('round-trips');
    const relay = newRelay();
    await relay.relayOnce(); // anything left by earlier tests
    // Every round trip of node-postgres is one Client#query call, whoever makes it (TypeORM or raw).
    const roundTrips = jest.spyOn(PgClient.prototype, 'query');
    try {
      roundTrips.mockClear();
      expect((await relay.relayOnce()).claimed).toBe(0);
      expect(roundTrips).toHaveBeenCalledTimes(2);
      await write(topic, 'k-round-trips', 1);
      roundTrips.mockClear();
      expect((await relay.relayOnce()).published).toBe(1);
      expect(roundTrips).toHaveBeenCalledTimes(2);
    } finally {
      roundTrips.mockRestore();
    }
  });

  it('is woken by NOTIFY when its poll interval is far away', async () => {
    const topic = await newTopic('notify');
    const relay = new OutboxRelay(db.dataSource, publisher, { serviceName: 'test', pollIntervalMs: 600_000 });
    relays.push(relay);
    await relay.start();
    // The first pass (on start) found nothing; only the insert's NOTIFY can wake the relay within the wait.
    await eventually('the relay is idle', async () => (await pendingCount()) === 0, 30_000, 50);
    await new Promise((r) => setTimeout(r, 200));
    const id = await write(topic, 'k-notify', 1);
    await eventually('the row is published', async () => (await row(id)).status === 'published', 20_000, 50);
  });

  it('falls back to polling when LISTEN is off (notifications are only hints)', async () => {
    const topic = await newTopic('poll');
    const relay = newRelay({ listen: false, pollIntervalMs: 100 });
    await relay.start();
    const id = await write(topic, 'k-poll', 1);
    await eventually('the row is published by polling', async () => (await row(id)).status === 'published', 30_000, 50);
  });

  it('drains a key queue and a backlog wider than a batch on one wake-up each', async () => {
    const topic = await newTopic('drain-without-wakeup');
    // Nothing but the relay's own passes can publish these: no LISTEN, and the poll is ten minutes away.
    const relay = newRelay({ listen: false, pollIntervalMs: 600_000, batchSize: 2 });
    const queued = [await write(topic, 'k-queue', 1), await write(topic, 'k-queue', 2), await write(topic, 'k-queue', 3)];
    await relay.start();
    // A pass takes one row per key: rows 2 and 3 become heads only after the passes before them.
    await eventually('the key queue is published', async () => (await pendingCount()) === 0, 20_000, 50);
    const wide = await Promise.all(Array.from({ length: 5 }, (_, i) => write(topic, `k-wide-${i}`, i)));
    relay.wake();
    // Five heads, two per pass: full batches keep the relay going.
    await eventually('the wide backlog is published', async () => (await pendingCount()) === 0, 20_000, 50);
    const messages = await consumeUntil(topic, (m) => m.length >= 8);
    expect(messages.filter((m) => m.key === 'k-queue').map((m) => envelopeOf(m).payload.n)).toEqual([1, 2, 3]);
    for (const id of [...queued, ...wide]) expect((await row(id)).status).toBe('published');
  });

  it('two relays on one table publish every row once and keep the order of each key', async () => {
    const topic = await newTopic('two-relays');
    const keys = Array.from({ length: 12 }, (_, i) => `order-${i}`);
    const perKey = 8;
    const second = await db.connect();
    // Slow publishes widen the window in which both relays claim at the same time.
    const slow: EventPublisher = {
      publish: async (t: string, messages: readonly PublishMessage[]) => {
        await new Promise((r) => setTimeout(r, 5));
        await publisher.publish(t, messages);
      },
    };
    const a = newRelay({ batchSize: 5 }, slow);
    const b = newRelay({ batchSize: 5 }, slow, second);
    await Promise.all([a.start(), b.start()]);
    for (let n = 0; n < perKey; n++) {
      await Promise.all(keys.map((key) => write(topic, key, n)));
    }
    await eventually('every row is published', async () => (await pendingCount()) === 0, 60_000, 50);
    await Promise.all([a.stop(), b.stop()]);

    const messages = await readWholeTopic(topic);
    const ids = messages.map((m) => envelopeOf(m).id);
    expect(ids).toHaveLength(keys.length * perKey);
    expect(new Set(ids).size).toBe(ids.length);
    for (const key of keys) {
      const sequence = messages
        .filter((m) => m.key === key)
        .sort((x, y) => Number(x.offset) - Number(y.offset))
        .map((m) => envelopeOf(m).payload.n);
      expect({ key, sequence }).toEqual({ key, sequence: Array.from({ length: perKey }, (_, n) => n) });
    }
  });

  it('while one relay is publishing a key\'s event, another relay takes nothing of that key (plain SKIP LOCKED would)', async () => {
    const topic = await newTopic('in-flight');
    const first = await write(topic, 'k-inflight', 1);
    const second = await write(topic, 'k-inflight', 2);
    const other = await write(topic, 'k-free', 1);
    const { gated, entered, openGate } = gatedPublisher(publisher);
    const a = newRelay({ batchSize: 1 }, gated);
    const b = newRelay({}, publisher, await db.connect());

    const aPass = a.relayOnce();
    try {
      await entered; // relay A holds the head of k-inflight, its publish in flight
      const bPass = await b.relayOnce();
      expect(bPass).toMatchObject({ claimed: 1, published: 1 });
      expect((await row(other)).status).toBe('published');
      expect((await row(second)).status).toBe('pending');
    } finally {
      openGate();
    }
    expect(await aPass).toMatchObject({ published: 1 });
    expect(await b.relayOnce()).toMatchObject({ published: 1 });
    expect((await row(second)).status).toBe('published');
    const messages = await consumeUntil(topic, (m) => m.filter((x) => x.key === 'k-inflight').length >= 2);
    expect(messages.filter((m) => m.key === 'k-inflight').map((m) => envelopeOf(m).id)).toEqual([first, second]);
  });

  it('does not skip a row that got a lower seq but committed later (no high-water mark)', async () => {
    const topic = await newTopic('hwm');
    const relay = newRelay();
    const runner = db.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    // The early transaction takes its seq first, then stays open while a later one commits.
    const [{ id: earlyId }] = (await runner.query(
      `INSERT INTO outbox_message (id, topic, key, type, payload) VALUES (gen_random_uuid(), $1, 'k-early', 'Counted', '{"n":1}') RETURNING id`,
      [topic],
    )) as { id: string }[];
    const lateId = await write(topic, 'k-late', 2);
    expect(await relay.relayOnce()).toMatchObject({ published: 1 });
    expect((await row(lateId)).status).toBe('published');

    await runner.commitTransaction();
    await runner.release();
    expect(await relay.relayOnce()).toMatchObject({ published: 1 });
    expect((await row(earlyId)).status).toBe('published');
    const seqs = (await db.dataSource.query(`SELECT id, seq FROM outbox_message ORDER BY seq`)) as { id: string }[];
    expect(seqs.map((s) => s.id)).toEqual([earlyId, lateId]);
  });

  it('while Kafka is unreachable: rows stay pending with backoff and never die, however long the outage', async () => {
    const topic = await newTopic('down');
    const unreachable = new KafkaEventPublisher({
      clientId: 'relay-it-down',
      brokers: ['127.0.0.1:1'],
      connectionTimeoutMs: 500,
      retries: 1,
      publishTimeoutMs: 5000,
    });
    const down = newRelay({ maxAttempts: 3, backoff: { baseMs: 60_000, maxMs: 600_000, jitter: 0 } }, unreachable);
    const id = await write(topic, 'k-down', 1);

    expect(await down.relayOnce()).toEqual({ claimed: 1, published: 0, failed: 1, dead: 0 });
    const state = await row(id);
    expect(state).toMatchObject({ status: 'pending', attempts: 0, published_at: null });
    expect(state.last_error).toMatch(/Connection|connect|ECONNREFUSED/i);
    const [{ waitMs }] = (await db.dataSource.query(
      `SELECT (extract(epoch FROM available_at - now()) * 1000)::float8 AS "waitMs" FROM outbox_message WHERE id = $1`,
      [id],
    )) as { waitMs: number }[];
    expect(waitMs).toBeGreaterThan(50_000);
    // In backoff: not claimed again before its time.
    expect(await down.relayOnce()).toEqual({ claimed: 0, published: 0, failed: 0, dead: 0 });

    // Twice maxAttempts passes of the outage (time moved for the row instead of sleeping): still pending.
    for (let pass = 0; pass < 6; pass++) {
      await db.dataSource.query(`UPDATE outbox_message SET available_at = now() WHERE id = $1`, [id]);
      expect(await down.relayOnce()).toMatchObject({ failed: 1, dead: 0 });
    }
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 0 });
    await unreachable.disconnect();

    // Kafka is back: the row goes out.
    await db.dataSource.query(`UPDATE outbox_message SET available_at = now() WHERE id = $1`, [id]);
    expect(await newRelay().relayOnce()).toMatchObject({ published: 1 });
    expect(await row(id)).toMatchObject({ status: 'published' });
    const messages = await consumeUntil(topic, (m) => m.length >= 1);
    expect(envelopeOf(messages[0]).id).toBe(id);
  });

  it('a message the broker refuses (not an outage) backs off, is dead after N attempts, and replayDead publishes it', async () => {
    const topic = await newTopic('refused');
    let refuse = true;
    const refusing: EventPublisher = {
      publish: async (t, messages) => {
        if (refuse) throw new Error('message rejected by the broker (test)');
        await publisher.publish(t, messages);
      },
    };
    const relay = newRelay({ maxAttempts: 3, backoff: { baseMs: 60_000, maxMs: 600_000, jitter: 0 } }, refusing);
    const id = await write(topic, 'k-refused', 1);

    expect(await relay.relayOnce()).toMatchObject({ failed: 1, dead: 0 });
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 1 });
    await db.dataSource.query(`UPDATE outbox_message SET available_at = now() WHERE id = $1`, [id]);
    expect(await relay.relayOnce()).toMatchObject({ failed: 1, dead: 0 });
    await db.dataSource.query(`UPDATE outbox_message SET available_at = now() WHERE id = $1`, [id]);
    expect(await relay.relayOnce()).toMatchObject({ failed: 1, dead: 1 });
    const state = await row(id);
    expect(state).toMatchObject({ status: 'dead', attempts: 3 });
    expect(state.last_error).toMatch(/rejected/);
    expect(await new OutboxQueries(db.dataSource).stats()).toMatchObject({ pending: 0, dead: 1 });

    // The cause is fixed; the dead row is left alone until an operator replays it.
    refuse = false;
    expect(await relay.relayOnce()).toMatchObject({ claimed: 0 });
    expect(await relay.replayDead(id)).toBe(true);
    expect(await relay.replayDead(id)).toBe(false);
    expect(await relay.relayOnce()).toMatchObject({ published: 1 });
    expect(await row(id)).toMatchObject({ status: 'published' });
    const messages = await consumeUntil(topic, (m) => m.length >= 1);
    expect(envelopeOf(messages[0]).id).toBe(id);
  });

  it('when Kafka comes back, rows that waited out the outage in backoff go at once (a probe notices it)', async () => {
    const topic = await newTopic('recovery');
    let down = true;
    const switchable: EventPublisher = {
      publish: async (t, messages) => {
        if (down) throw new BrokerUnavailableError('Kafka unavailable (test)', new Error('ECONNREFUSED'));
        await publisher.publish(t, messages);
      },
      probe: async (opts) => {
        if (down) throw new Error('no broker');
        return publisher.probe(opts);
      },
    };
    // A row backoff of ten minutes: only the recovery can explain a publish within the wait below.
    const relay = newRelay({ backoff: { baseMs: 600_000, maxMs: 600_000, jitter: 0 } }, switchable);
    const id = await write(topic, 'k-recovery', 1);
    await relay.start();
    await eventually('the first attempt failed', async () => (await row(id)).last_error !== null, 30_000, 50);
    // An outage spends no attempt: the row is pending, in backoff, with the outage as its error.
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 0 });
    down = false;
    await eventually('the row is published after the recovery', async () => (await row(id)).status === 'published', 30_000, 50);
    expect((await row(id)).attempts).toBe(1);
  });

  it('a row in backoff holds back the later rows of its key, not the other keys', async () => {
    const topic = await newTopic('head-of-line');
    const failing: EventPublisher = {
      publish: async (t, messages) => {
        if (messages.some((m) => m.key === 'k-stuck')) throw new Error('broker refused k-stuck');
        await publisher.publish(t, messages);
      },
    };
    const relay = newRelay({ backoff: { baseMs: 60_000, maxMs: 60_000, jitter: 0 } }, failing);
    const stuck1 = await write(topic, 'k-stuck', 1);
    const stuck2 = await write(topic, 'k-stuck', 2);
    const other = await write(topic, 'k-other', 1);
    // First pass: the fresh rows go out together and fail together (k-stuck poisons the batch).
    expect(await relay.relayOnce()).toMatchObject({ claimed: 2, failed: 2 });
    // Retried rows go out alone: k-other's row now succeeds, k-stuck stays in backoff with its follower waiting.
    await db.dataSource.query(`UPDATE outbox_message SET available_at = now()`);
    await relay.relayOnce();
    await relay.relayOnce();
    expect((await row(other)).status).toBe('published');
    expect(await row(stuck1)).toMatchObject({ status: 'pending', attempts: 2 });
    expect(await row(stuck2)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('a relay killed between publish and mark republishes; the consumer inbox absorbs the duplicate', async () => {
    const topic = await newTopic('killed');
    const id = await write(topic, 'k-killed', 1);
    const victimDs = await db.connect();
    // Publish for real, then lose the relay's database session before it can mark the row (as if it died).
    const dying: EventPublisher = {
      publish: async (t, messages) => {
        await publisher.publish(t, messages);
        await db.dataSource.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`,
        );
      },
    };
    await expect(newRelay({}, dying, victimDs).relayOnce()).rejects.toThrow();
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 0 });

    await newRelay().relayOnce();
    expect((await row(id)).status).toBe('published');
    const messages = await consumeUntil(topic, (m) => m.length >= 2);
    expect(messages.map((m) => envelopeOf(m).id)).toEqual([id, id]);

    // The consumer (here: the same database, as a downstream service would) applies it once.
    const consumer = new UnitOfWork(db.dataSource, { serviceName: 'downstream' });
    const outcomes = [];
    for (const message of messages) {
      const event = envelopeOf(message);
      outcomes.push(
        await consumer.runOnce({ eventId: event.id, type: event.type, aggregateId: event.aggregateId }, async ({ manager }) => {
          await manager.query(`INSERT INTO widget (id, count) VALUES ('w-killed', 1) ON CONFLICT (id) DO UPDATE SET count = widget.count + 1`);
        }),
      );
    }
    expect(outcomes.map((o) => o.duplicate)).toEqual([false, true]);
    expect(await db.dataSource.query(`SELECT count FROM widget WHERE id = 'w-killed'`)).toEqual([{ count: 1 }]);
  });

  it('graceful stop waits for the batch in flight, which is published and marked', async () => {
    const topic = await newTopic('drain');
    const { gated, entered, openGate } = gatedPublisher(publisher);
    const relay = newRelay({ pollIntervalMs: 50 }, gated);
    const inFlight = await write(topic, 'k-drain', 1);
    await relay.start();
    await entered;
    let stopResolved = false;
    const stopped = relay.stop().then(() => (stopResolved = true));
    await new Promise((r) => setTimeout(r, 100));
    // stop() waits for the publish in flight instead of abandoning it.
    expect(stopResolved).toBe(false);
    openGate();
    await stopped;
    expect((await row(inFlight)).status).toBe('published');
  });

  it('retention cleanup deletes old published rows and old inbox records, never pending or dead ones', async () => {
    const topic = 'never-published';
    const oldPublished = await write(topic, 'k-ret', 1);
    const recentPublished = await write(topic, 'k-ret', 2);
    const oldPending = await write(topic, 'k-ret', 3);
    const oldDead = await write(topic, 'k-ret', 4);
    await db.dataSource.query(
      `UPDATE outbox_message SET status = 'published', published_at = now() - interval '8 days' WHERE id = $1`,
      [oldPublished],
    );
    await db.dataSource.query(`UPDATE outbox_message SET status = 'published', published_at = now() WHERE id = $1`, [recentPublished]);
    await db.dataSource.query(`UPDATE outbox_message SET created_at = now() - interval '30 days' WHERE id = $1`, [oldPending]);
    await db.dataSource.query(
      `UPDATE outbox_message SET status = 'dead', created_at = now() - interval '30 days' WHERE id = $1`,
      [oldDead],
    );
    await db.dataSource.query(
      `INSERT INTO inbox_message (event_id, consumer, type, aggregate_id, received_at)
       VALUES ('old', 'c', 'T', 'k-ret', now() - interval '40 days'), ('new', 'c', 'T', 'k-ret', now())`,
    );
    const relay = newRelay({ retentionMs: 7 * 24 * 3600_000, inboxRetentionMs: 30 * 24 * 3600_000, cleanupChunk: 1 });
    expect(await relay.cleanup()).toEqual({ outbox: 1, inbox: 1 });
    const left = (await db.dataSource.query(`SELECT id FROM outbox_message ORDER BY seq`)) as { id: string }[];
    expect(left.map((r) => r.id)).toEqual([recentPublished, oldPending, oldDead]);
    expect(await db.dataSource.query(`SELECT event_id FROM inbox_message`)).toEqual([{ event_id: 'new' }]);
  });

  it('stats and the timeline of one aggregate (what GET /outbox/stats and GET /events serve)', async () => {
    const out = await write('t', 'order-tl', 1);
    await db.dataSource.query(
      `INSERT INTO inbox_message (event_id, consumer, type, aggregate_id, received_at) VALUES ('in-1', 'c', 'StockReserved', 'order-tl', now() + interval '1 second')`,
    );
    const queries = new OutboxQueries(db.dataSource);
    expect(await queries.timeline('order-tl')).toEqual([
      { eventId: out, type: 'Counted', direction: 'out', at: expect.any(String), status: 'pending', traceId: null },
      { eventId: 'in-1', type: 'StockReserved', direction: 'in', at: expect.any(String), status: 'processed', traceId: null },
    ]);
    const stats = await queries.stats();
    expect(stats).toMatchObject({ pending: 1, dead: 0, published: 0 });
    expect(stats.oldestPendingAgeMs).toBeGreaterThanOrEqual(0);
  });
});
