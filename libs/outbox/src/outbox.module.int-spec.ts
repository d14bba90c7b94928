import { CanActivate, ExecutionContext, Module } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import type { Principal } from '@shop/auth';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CommonModule, metricsRegistry } from '@shop/common';
import { EventPublisher, PublishMessage } from '@shop/messaging';
import { eventually } from '@shop/testing';
import { OUTBOX_ENTITIES, OUTBOX_MIGRATIONS, OutboxModule, UnitOfWork } from './index';
import { createThrowawayDatabase, ThrowawayDatabase } from './testing/throwaway-database';

jest.setTimeout(60_000);

/** Records what the relay publishes (the Kafka path is covered by outbox-relay.int-spec.ts). */
class RecordingPublisher implements EventPublisher {
  readonly published: { topic: string; message: PublishMessage }[] = [];
  async publish(topic: string, messages: readonly PublishMessage[]): Promise<void> {
    for (const message of messages) this.published.push({ topic, message });
  }
}

/**
 * Stands in for the services' GatewayProofGuard (libs/auth; its own tests verify real proofs): the caller is the
 * role a test names in `x-test-role`, as if the gateway's proof said so; no header, no caller.
 */
class CallerFromTestHeader implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, unknown>; principal?: Principal }>();
    const role = req.headers['x-test-role'];
    if (typeof role === 'string') req.principal = { subject: `test-${role}`, role: role as Principal['role'] };
    return true;
  }
}

describe('OutboxModule in a Nest app (real Postgres)', () => {
  let db: ThrowawayDatabase;
  let app: NestFastifyApplication;
  let baseUrl: string;
  const publisher = new RecordingPublisher();

  const get = async (url: string, role: string | null = 'gateway') => {
    const headers: Record<string, string> = role === null ? {} : { 'x-test-role': role };
    const res = await fetch(`${baseUrl}${url}`, { headers, signal: AbortSignal.timeout(10_000) });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  beforeAll(async () => {
    db = await createThrowawayDatabase('module_it');
    @Module({
      imports: [
        CommonModule.forRoot(),
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: db.url,
          entities: [...OUTBOX_ENTITIES],
          migrations: [...OUTBOX_MIGRATIONS],
          migrationsRun: true,
        }),
        OutboxModule.forRoot({ serviceName: 'order', kafka: { publisher }, relay: { pollIntervalMs: 50 } }),
      ],
      providers: [{ provide: APP_GUARD, useClass: CallerFromTestHeader }],
    })
    class AppModule {}
    app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
  });
  afterAll(async () => {
    await app?.close();
    await db.drop();
  });

  it('wires UnitOfWork, starts the relay on bootstrap, and serves the stats and the timeline', async () => {
    const uow = app.get(UnitOfWork);
    const eventId = await uow.run(async ({ publish }) =>
      publish({ topic: 'order.events', type: 'OrderCreated', aggregateId: 'order-m1', payload: { any: 1 } }),
    );
    await uow.runOnce({ eventId: 'stock-1', type: 'StockReserved', aggregateId: 'order-m1' }, async () => undefined);

    await eventually('the relay publishes the event', () => publisher.published.some((p) => JSON.parse(String(p.message.value)).id === eventId), 30_000, 50);
    const stats = await get('/outbox/stats');
    expect(stats.status).toBe(200);
    expect(stats.body).toEqual({ pending: 0, dead: 0, published: 1, oldestPendingAgeMs: 0, parkedInbound: 0 });

    const timeline = await get('/events?aggregateId=order-m1');
    expect(timeline.status).toBe(200);
    expect(timeline.body).toEqual([
      { eventId, type: 'OrderCreated', direction: 'out', at: expect.any(String), status: 'published', traceId: null },
      { eventId: 'stock-1', type: 'StockReserved', direction: 'in', at: expect.any(String), status: 'processed', traceId: null },
    ]);
  });

  it('serves the stats and the timeline to the gateway and operators only: 401 without a caller, 403 for a customer', async () => {
    expect((await get('/outbox/stats', null)).status).toBe(401);
    expect((await get('/events?aggregateId=order-m1', 'customer')).status).toBe(403);
    expect((await get('/outbox/stats', 'operator')).status).toBe(200);
  });

  it('answers 400 in the contract shape when aggregateId is missing', async () => {
    const res = await get('/events');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'bad_request', message: expect.any(String) } });
  });

  it('reports the outbox in /health and its gauges in /metrics', async () => {
    const health = await get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', info: { outbox: { status: 'up', pending: 0, kafka: 'up' } } });
    const metrics = await metricsRegistry.metrics();
    expect(metrics).toMatch(/outbox_pending_rows\{service="order"\} 0/);
    expect(metrics).toMatch(/outbox_published_total\{service="order",topic="order.events"\} 1/);
  });
});
