import { withRequestId } from '@shop/common';
import { Client as PgClient } from 'pg';
import { OUTBOX_NOTIFY_CHANNEL } from './outbox-tables.migration';
import { createThrowawayDatabase, ThrowawayDatabase } from './testing/throwaway-database';
import { UnitOfWork } from './unit-of-work';

describe('UnitOfWork (real Postgres): state, inbox and outbox in one transaction', () => {
  let db: ThrowawayDatabase;
  let uow: UnitOfWork;

  beforeAll(async () => {
    db = await createThrowawayDatabase('uow_it');
    uow = new UnitOfWork(db.dataSource, { serviceName: 'inventory' });
  });
  afterAll(async () => {
    await db.drop();
  });

  const outboxRows = (key: string) =>
    db.dataSource.query(`SELECT id, type, key, topic, payload, headers, status FROM outbox_message WHERE key = $1 ORDER BY seq`, [key]);
  const widget = async (id: string): Promise<number | undefined> =>
    ((await db.dataSource.query(`SELECT count FROM widget WHERE id = $1`, [id])) as { count: number }[])[0]?.count;

  it('commits the state change and its outbox rows together, in publish order', async () => {
    const ids = await uow.run(async ({ manager, publish }) => {
      await manager.query(`INSERT INTO widget (id, count) VALUES ('w-commit', 1)`);
      return [
        publish({ topic: 't', type: 'WidgetMade', aggregateId: 'w-commit', payload: { n: 1 } }),
        publish({ topic: 't', type: 'WidgetPainted', aggregateId: 'w-commit', payload: { n: 2 } }),
      ];
    });
    expect(await widget('w-commit')).toBe(1);
    const rows = await outboxRows('w-commit');
    expect(rows.map((r: { id: string }) => r.id)).toEqual(ids);
    expect(rows.map((r: { type: string }) => r.type)).toEqual(['WidgetMade', 'WidgetPainted']);
    expect(rows[0]).toMatchObject({ topic: 't', status: 'pending', payload: { n: 1 } });
  });

  it('writeWithEvents: the statement and its outbox rows in one statement, with the request id and the NOTIFY', async () => {
    // The relay is woken by the NOTIFY trigger on outbox_message: it must fire for rows written in a CTE too.
    const listener = new PgClient({ connectionString: db.url });
    await listener.connect();
    await listener.query(`LISTEN ${OUTBOX_NOTIFY_CHANNEL}`);
    const notified = new Promise<void>((resolve) => listener.once('notification', () => resolve()));
    const ids = await withRequestId('req-one-statement', () =>
      uow.writeWithEvents({ sql: `INSERT INTO widget (id, count) VALUES ($1, $2)`, params: ['w-one', 3] }, [
        { topic: 't', type: 'WidgetMade', aggregateId: 'w-one', payload: { n: 1 } },
        { topic: 't', type: 'WidgetPainted', aggregateId: 'w-one', payload: { n: 2 } },
      ]),
    );
    expect(await widget('w-one')).toBe(3);
    const rows = await outboxRows('w-one');
    expect(rows.map((r: { id: string }) => r.id)).toEqual(ids);
    expect(rows.map((r: { type: string }) => r.type)).toEqual(['WidgetMade', 'WidgetPainted']);
    expect(rows[1]).toMatchObject({ topic: 't', status: 'pending', payload: { n: 2 }, headers: { 'x-request-id': 'req-one-statement' } });
    await notified;
    await listener.end();
  });

  it('writeWithEvents writes nothing when the statement fails, nor when an outbox row fails', async () => {
    await db.dataSource.query(`INSERT INTO widget (id, count) VALUES ('w-taken', 1)`);
    await expect(
      uow.writeWithEvents({ sql: `INSERT INTO widget (id, count) VALUES ($1, $2)`, params: ['w-taken', 2] }, [
        { topic: 't', type: 'WidgetMade', aggregateId: 'w-taken', payload: {} },
      ]),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await outboxRows('w-taken')).toEqual([]);
    await expect(
      uow.writeWithEvents({ sql: `INSERT INTO widget (id, count) VALUES ($1, $2)`, params: ['w-bad-event', 1] }, [
        { topic: 't', type: 'WidgetMade', aggregateId: 'w-bad-event', payload: { text: '\u0000' } },
      ]),
    ).rejects.toThrow();
    expect(await widget('w-bad-event')).toBeUndefined();
  });

  it('rolls both back when the work throws, and surfaces the very error', async () => {
    const boom = new Error('domain rule broken');
    await expect(
      uow.run(async ({ manager, publish }) => {
        await manager.query(`INSERT INTO widget (id, count) VALUES ('w-rollback', 1)`);
        publish({ topic: 't', type: 'WidgetMade', aggregateId: 'w-rollback', payload: {} });
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await widget('w-rollback')).toBeUndefined();
    expect(await outboxRows('w-rollback')).toEqual([]);
  });

  it('rolls the state back when the outbox insert itself fails', async () => {
    await expect(
      uow.run(async ({ manager, publish }) => {
        await manager.query(`INSERT INTO widget (id, count) VALUES ('w-badrow', 1)`);
        // A NUL character cannot be stored in jsonb: the outbox insert fails after the work succeeded.
        publish({ topic: 't', type: 'WidgetMade', aggregateId: 'w-badrow', payload: { text: '\u0000' } });
      }),
    ).rejects.toThrow();
    expect(await widget('w-badrow')).toBeUndefined();
  });

  it('run() sends the atCommit statements in the transaction, before the outbox rows', async () => {
    await uow.run(async (ctx) => {
      await ctx.manager.query(`INSERT INTO widget (id, count) VALUES ('w-run-at-commit', 1)`);
      ctx.atCommit({ sql: `UPDATE widget SET count = count + 1 WHERE id = $1`, params: ['w-run-at-commit'] });
      ctx.publish({ topic: 't', type: 'WidgetMade', aggregateId: 'w-run-at-commit', payload: {} });
    });
    expect(await widget('w-run-at-commit')).toBe(2);
    expect(await outboxRows('w-run-at-commit')).toHaveLength(1);
  });

  it('refuses a publish made after the unit of work ended (it would not be in the transaction)', async () => {
    let late: ((e: { topic: string; type: string; aggregateId: string; payload: unknown }) => string) | undefined;
    await uow.run(async ({ publish }) => {
      late = publish;
    });
    expect(() => late!({ topic: 't', type: 'Late', aggregateId: 'w-late', payload: {} })).toThrow(/after its unit of work ended/);
    expect(await outboxRows('w-late')).toEqual([]);
  });

  it('bounds the events and the payload size of one unit of work', async () => {
    const small = new UnitOfWork(db.dataSource, { serviceName: 's', maxEventsPerUnit: 2, maxPayloadBytes: 100 });
    await expect(
      small.run(async ({ publish }) => {
        for (let i = 0; i < 3; i++) publish({ topic: 't', type: 'X', aggregateId: 'w-bound', payload: {} });
      }),
    ).rejects.toThrow(/at most 2 events/);
    await expect(
      small.run(async ({ publish }) => {
        publish({ topic: 't', type: 'X', aggregateId: 'w-bound', payload: { big: 'x'.repeat(200) } });
      }),
    ).rejects.toThrow(/over 100 bytes/);
    expect(await outboxRows('w-bound')).toEqual([]);
  });

  it('stores the current X-Request-Id as a Kafka header of the event', async () => {
    await withRequestId('req-42', () =>
      uow.run(async ({ publish }) => {
        publish({ topic: 't', type: 'X', aggregateId: 'w-req', payload: {} });
      }),
    );
    const [row] = await outboxRows('w-req');
    expect(row.headers).toEqual({ 'x-request-id': 'req-42' });
  });

  describe('runOnce (the inbox)', () => {
    const inbox = (eventId: string) => ({ eventId, type: 'OrderCreated', aggregateId: 'o-1' });
    const increment = (id: string) => async ({ manager, publish }: Parameters<Parameters<UnitOfWork['run']>[0]>[0]) => {
      await manager.query(`INSERT INTO widget (id, count) VALUES ($1, 1) ON CONFLICT (id) DO UPDATE SET count = widget.count + 1`, [id]);
      publish({ topic: 't', type: 'Reacted', aggregateId: id, payload: {} });
      return 'applied';
    };

    it('applies an event once: a redelivery changes nothing (no effect, no outbox row)', async () => {
      const first = await uow.runOnce(inbox('e-redeliver'), increment('w-once'));
      const second = await uow.runOnce(inbox('e-redeliver'), increment('w-once'));
      expect(first).toEqual({ duplicate: false, result: 'applied' });
      expect(second).toEqual({ duplicate: true });
      expect(await widget('w-once')).toBe(1);
      expect(await outboxRows('w-once')).toHaveLength(1);
      const records = await db.dataSource.query(`SELECT consumer FROM inbox_message WHERE event_id = 'e-redeliver'`);
      expect(records).toEqual([{ consumer: 'inventory' }]);
    });

    it('applies concurrent duplicates exactly once (the second waits on the first one\'s inbox row)', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => uow.runOnce(inbox('e-concurrent'), increment('w-concurrent'))));
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(await widget('w-concurrent')).toBe(1);
    });

    it('keeps no inbox record when the effect fails, so the redelivery applies it', async () => {
      await expect(
        uow.runOnce(inbox('e-retry'), async () => {
          throw new Error('database hiccup');
        }),
      ).rejects.toThrow('database hiccup');
      const retried = await uow.runOnce(inbox('e-retry'), increment('w-retry'));
      expect(retried.duplicate).toBe(false);
      expect(await widget('w-retry')).toBe(1);
    });

    it('takes two round trips besides its work: BEGIN goes with the inbox insert, COMMIT with atCommit statements and the outbox insert', async () => {
      // A round trip is a wait for the server: a query sent while none of this test's is in flight. Pipelined
      // statements go out together; TypeORM's transaction sent five one after the other here.
      let inFlight = 0;
      let roundTrips = 0;
      const query = PgClient.prototype.query;
      const spy = jest.spyOn(PgClient.prototype, 'query').mockImplementation(function (this: PgClient, ...args: unknown[]) {
        if (inFlight === 0) roundTrips++;
        inFlight++;
        const sent = (query as (...a: unknown[]) => Promise<unknown>).apply(this, args);
        void sent.then(
          () => inFlight--,
          () => inFlight--,
        );
        return sent;
      } as typeof query);
      try {
        const applied = await uow.runOnce(inbox('e-round-trips'), async (ctx) => {
          const result = await increment('w-round-trips')(ctx);
          ctx.atCommit({ sql: `UPDATE widget SET count = count + 10 WHERE id = $1`, params: ['w-round-trips'] });
          return result;
        });
        expect(applied).toEqual({ duplicate: false, result: 'applied' });
      } finally {
        spy.mockRestore();
      }
      expect(roundTrips).toBe(3);
      expect(await widget('w-round-trips')).toBe(11);
      expect(await outboxRows('w-round-trips')).toHaveLength(1);
    });

    it('rolls the effect and the inbox record back when the outbox insert fails (the COMMIT sent with it is answered ROLLBACK)', async () => {
      await expect(
        uow.runOnce(inbox('e-bad-row'), async ({ manager, publish }) => {
          await manager.query(`INSERT INTO widget (id, count) VALUES ('w-inbox-badrow', 1)`);
          // A NUL character cannot be stored in jsonb: the outbox insert fails after the work succeeded.
          publish({ topic: 't', type: 'Reacted', aggregateId: 'w-inbox-badrow', payload: { text: '\u0000' } });
        }),
      ).rejects.toThrow();
      expect(await widget('w-inbox-badrow')).toBeUndefined();
      expect(await db.dataSource.query(`SELECT 1 FROM inbox_message WHERE event_id = 'e-bad-row'`)).toEqual([]);
    });

    it('rolls everything back when a statement sent with the COMMIT (atCommit) fails', async () => {
      await expect(
        uow.runOnce(inbox('e-at-commit'), async (ctx) => {
          await increment('w-at-commit')(ctx);
          ctx.atCommit({ sql: `UPDATE widget SET count = count / 0 WHERE id = $1`, params: ['w-at-commit'] });
        }),
      ).rejects.toThrow('division by zero');
      expect(await widget('w-at-commit')).toBeUndefined();
      expect(await outboxRows('w-at-commit')).toEqual([]);
      expect(await db.dataSource.query(`SELECT 1 FROM inbox_message WHERE event_id = 'e-at-commit'`)).toEqual([]);
    });

    it('fails when a statement failed inside the work, even one the work caught (the server rolled it all back)', async () => {
      // Without the check the COMMIT of the aborted transaction (answered ROLLBACK) passed for a success: the
      // event was acknowledged with nothing recorded, its effect lost.
      await expect(
        uow.runOnce(inbox('e-swallowed'), async ({ manager }) => {
          await manager.query(`INSERT INTO widget (id, count) VALUES ('w-swallowed', 1)`);
          await manager.query(`INSERT INTO widget (id, count) VALUES ('w-swallowed', 1)`).catch(() => undefined);
        }),
      ).rejects.toThrow('rolled back');
      expect(await widget('w-swallowed')).toBeUndefined();
      const retried = await uow.runOnce(inbox('e-swallowed'), increment('w-swallowed'));
      expect(retried.duplicate).toBe(false);
    });

    it('lets two consumers of one service each apply the same event once', async () => {
      const a = await uow.runOnce({ ...inbox('e-two'), consumer: 'reserve' }, increment('w-two'));
      const b = await uow.runOnce({ ...inbox('e-two'), consumer: 'audit' }, increment('w-two'));
      expect([a.duplicate, b.duplicate]).toEqual([false, false]);
      expect(await widget('w-two')).toBe(2);
    });
  });
});
