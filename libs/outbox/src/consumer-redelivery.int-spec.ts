import { randomUUID } from 'node:crypto';
import { Controller, INestMicroservice, Module } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import { currentRequestId, ErrorShapeFilter } from '@shop/common';
import { SagaEvent } from '@shop/contracts';
import { handleKafkaEvent, KafkaEventPublisher, kafkaMicroserviceOptions } from '@shop/messaging';
import { eventually } from '@shop/testing';
import { createTestTopic, deleteTestTopics, TEST_BROKERS, TEST_KAFKA_ADMIN } from './testing/kafka-test-topic';
import { createThrowawayDatabase, ThrowawayDatabase } from './testing/throwaway-database';
import { OutboxQueries } from './outbox.queries';
import { OutboxRelay } from './outbox.relay';
import { UnitOfWork } from './unit-of-work';

jest.setTimeout(120_000);

/**
 * What Nest 12's Kafka transport does with a failing @EventPattern handler, through a real hybrid-style
 * microservice, a real broker and a real database: the offset is not committed, the event comes back, and the
 * inbox makes the second delivery change nothing.
 */
describe('consuming saga events with @nestjs/microservices (Kafka) and the inbox', () => {
  let db: ThrowawayDatabase;
  let uow: UnitOfWork;
  let producer: KafkaEventPublisher;
  let app: INestMicroservice;
  let topic: string;
  /** Every delivery the handler saw, in order: event id and the request id it ran under. */
  const deliveries: { eventId: string; requestId: string | undefined }[] = [];
  /** What the handler does with an event; each test sets it for its own events. */
  const behaviours = new Map<string, (event: SagaEvent, delivery: number) => Promise<void>>();

  const send = (value: string | object, headers: Record<string, string> = {}, key = 'order-1') =>
    producer.publish(topic, [{ key, value: typeof value === 'string' ? value : JSON.stringify(value), headers }]);
  const envelope = (id: string) => ({
    id,
    type: 'PaymentFailed',
    aggregateId: 'order-1',
    occurredAt: new Date().toISOString(),
    payload: { reason: 'INSUFFICIENT_FUNDS', customerId: 'c-1' },
  });
  const deliveriesOf = (id: string) => deliveries.filter((d) => d.eventId === id);
  /** Waits for `condition`; a failure names every delivery seen. */
  const handled = (what: string, condition: () => boolean | Promise<boolean>) =>
    eventually(what, condition, 60_000, 50).catch((error: Error) => {
      throw new Error(`${error.message}; deliveries: ${JSON.stringify(deliveries)}`);
    });

  beforeAll(async () => {
    db = await createThrowawayDatabase('consumer_it');
    uow = new UnitOfWork(db.dataSource, { serviceName: 'payment' });
    topic = await createTestTopic('consumer', 1);
    producer = new KafkaEventPublisher({ clientId: 'consumer-it-producer', brokers: TEST_BROKERS, credentials: TEST_KAFKA_ADMIN });

    @Controller()
    class PaymentEventsConsumer {
      @EventPattern<string>(topic)
      onEvent(@Payload() _value: unknown, @Ctx() ctx: KafkaContext): Promise<void> {
        return handleKafkaEvent(ctx, async (event) => {
          deliveries.push({ eventId: event.id, requestId: currentRequestId() });
          await behaviours.get(event.id)?.(event, deliveriesOf(event.id).length);
        }, { maxAttempts: 3, onPoison: uow.parkPoisonEvent });
      }
    }
    // The app-wide filter every service gets from CommonModule: it must not swallow an event handler's error.
    @Module({ controllers: [PaymentEventsConsumer], providers: [{ provide: APP_FILTER, useClass: ErrorShapeFilter }] })
    class ConsumerModule {}

    app = await NestFactory.createMicroservice(
      ConsumerModule,
      { ...kafkaMicroserviceOptions({ brokers: TEST_BROKERS, credentials: TEST_KAFKA_ADMIN, groupId: `${topic}.payment`, clientId: 'consumer-it' }), logger: ['error'] },
    );
    await app.listen();
  });
  afterAll(async () => {
    await app?.close();
    await producer.disconnect();
    await deleteTestTopics([topic]);
    await db.drop();
  });

  it('redelivers an event whose handler threw (the offset is not committed), then moves on', async () => {
    const failing = randomUUID();
    const next = randomUUID();
    behaviours.set(failing, async (_e, delivery) => {
      if (delivery === 1) throw new Error('database unavailable');
    });
    await send(envelope(failing));
    await send(envelope(next));
    await handled('the next event is handled', () => deliveriesOf(next).length === 1);
    expect(deliveriesOf(failing)).toHaveLength(2);
    // Order within the partition is kept: the failed event was retried before the next one.
    const order = deliveries.map((d) => d.eventId).filter((id) => id === failing || id === next);
    expect(order).toEqual([failing, failing, next]);
  });

  it('a consumer that fails after its transaction committed (before the offset commit): the redelivery changes nothing', async () => {
    const id = randomUUID();
    const duplicates: boolean[] = [];
    behaviours.set(id, async (event, delivery) => {
      const outcome = await uow.runOnce({ eventId: event.id, type: event.type, aggregateId: event.aggregateId }, async ({ manager, publish }) => {
        await manager.query(`INSERT INTO widget (id, count) VALUES ('charged', 1) ON CONFLICT (id) DO UPDATE SET count = widget.count + 1`);
        publish({ topic: `${topic}.never-relayed`, type: 'PaymentRefunded', aggregateId: event.aggregateId, payload: {} });
      });
      // The first delivery dies after its commit, as a process killed before kafkajs commits the offset.
      duplicates.push(outcome.duplicate);
      if (delivery === 1) throw new Error('crashed after commit');
    });
    await send(envelope(id));
    await handled('the event is delivered and handled twice', () => duplicates.length >= 2);
    expect(duplicates).toEqual([false, true]);
    expect(await db.dataSource.query(`SELECT count FROM widget WHERE id = 'charged'`)).toEqual([{ count: 1 }]);
    expect(await db.dataSource.query(`SELECT type FROM outbox_message WHERE key = 'order-1'`)).toEqual([{ type: 'PaymentRefunded' }]);
  });

  it('skips a message that is not a saga event (it can never succeed) instead of blocking the partition', async () => {
    const after = randomUUID();
    await send('this is not json');
    await send({ ...envelope(randomUUID()), payload: { reason: 'no customer' } });
    await send(envelope(after));
    await handled('the valid event after the bad ones is handled', () => deliveriesOf(after).length === 1);
  });

  it('runs the handler under the X-Request-Id carried in the Kafka headers', async () => {
    const id = randomUUID();
    await send(envelope(id), { 'x-request-id': 'req-from-gateway' });
    await handled('the event is handled', () => deliveriesOf(id).length === 1);
    expect(deliveriesOf(id)[0].requestId).toBe('req-from-gateway');
  });

  it('parks a poison event after N failed deliveries so its partition moves on; a replay applies it once', async () => {
    const poison = randomUUID();
    const after = randomUUID();
    let fixed = false;
    behaviours.set(poison, async (event) => {
      if (!fixed) throw new Error('bug in the handler');
      await uow.runOnce({ eventId: event.id, type: event.type, aggregateId: event.aggregateId }, async ({ manager }) => {
        await manager.query(`INSERT INTO widget (id, count) VALUES ('replayed', 1) ON CONFLICT (id) DO UPDATE SET count = widget.count + 1`);
      });
    });
    await send(envelope(poison));
    await send(envelope(after));
    await handled('the event after the poison one is handled', () => deliveriesOf(after).length === 1);
    expect(deliveriesOf(poison)).toHaveLength(3);
    const [parked] = (await db.dataSource.query(
      `SELECT status, topic, attempts, last_error, envelope->>'id' AS id FROM inbox_message WHERE event_id = $1`,
      [poison],
    )) as { status: string; topic: string; attempts: number; last_error: string; id: string }[];
    expect(parked).toEqual({ status: 'dead', topic, attempts: 3, last_error: 'Error: bug in the handler', id: poison });
    const queries = new OutboxQueries(db.dataSource);
    expect((await queries.stats()).parkedInbound).toBe(1);
    expect((await queries.timeline('order-1')).find((e) => e.eventId === poison)).toMatchObject({ direction: 'in', status: 'dead' });

    fixed = true;
    expect(await uow.replayParked(poison)).toBe(true);
    expect(await uow.replayParked(poison)).toBe(false);
    // Only the replayed row is this test's to publish (the others belong to earlier tests).
    await db.dataSource.query(`DELETE FROM outbox_message WHERE id <> $1`, [poison]);
    const relay = new OutboxRelay(db.dataSource, producer, { serviceName: 'payment', listen: false });
    expect(await relay.relayOnce()).toMatchObject({ published: 1 });
    await handled('the replayed event is applied', async () => (await db.dataSource.query(`SELECT count FROM widget WHERE id = 'replayed'`)).length === 1);
    expect(deliveriesOf(poison)).toHaveLength(4);
    expect(await db.dataSource.query(`SELECT status FROM inbox_message WHERE event_id = $1`, [poison])).toEqual([{ status: 'processed' }]);
  });
});
