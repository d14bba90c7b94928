import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { contextFromTraceparent, createLogger, inSpan, metricsRegistry, SpanKind, tracingEnabled } from '@shop/common';
import { firstTraceparentOf, UnitOfWork } from '@shop/outbox';
import type { LiveConfig } from '@shop/registry-client';
import { Counter } from 'prom-client';
import { ORDER_CONFIG, SAGA_TIMEOUT } from '../order.tokens';
import type { OrderConfig } from '../order.config';
import { OrderSagaHandler } from './order-saga.handler';
import { OrderStore } from './order-store.port';

/** Orders cancelled per sweep at most, so one sweep's transaction stays short. */
const SWEEP_BATCH = 100;

const sweepFailures = new Counter({
  name: 'order_saga_sweep_failures_total',
  help: 'Saga-timeout sweeps that failed (retried at the next interval)',
  registers: [metricsRegistry],
});

/**
 * The saga's timeout: orders PENDING for longer than `config/order/saga-timeout-ms` are cancelled with reason
 * "timeout" (-> OrderCancelled: payment refunds any charge, inventory releases the stock). Leader-free: every
 * order replica sweeps, and `FOR UPDATE SKIP LOCKED` gives each stuck order to exactly one of them.
 */
@Injectable()
export class SagaTimeoutSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = createLogger('SagaTimeoutSweeper');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    @Inject(OrderStore) private readonly orders: OrderStore,
    private readonly saga: OrderSagaHandler,
    @Inject(UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @Inject(SAGA_TIMEOUT) private readonly timeout: LiveConfig<number>,
    @Inject(ORDER_CONFIG) private readonly config: OrderConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One sweep; returns how many orders it cancelled. */
  async sweepOnce(): Promise<number> {
    const timeoutMs = this.timeout.get();
    return this.unitOfWork.run(async (ctx) => {
      const stuck = await this.orders.lockTimedOut(ctx.manager, timeoutMs, SWEEP_BATCH);
      const now = new Date();
      for (const order of stuck) {
        const cancel = () => this.saga.apply(ctx, order, { kind: 'Timeout' }, now);
        // The cancellation (and its OrderCancelled) joins the order's own trace: one order, one trace.
        const traceparent = tracingEnabled() ? await firstTraceparentOf(ctx.manager, order.snapshot().id) : undefined;
        if (traceparent === undefined) await cancel();
        else await inSpan('saga timeout', { kind: SpanKind.INTERNAL }, cancel, contextFromTraceparent(traceparent));
      }
      if (stuck.length > 0) this.logger.event('warn', 'saga timeout cancelled orders', { count: stuck.length, timeoutMs });
      return stuck.length;
    });
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweepOnce().then(
        () => undefined,
        (error: unknown) => {
          sweepFailures.inc();
          this.logger.event('error', 'saga timeout sweep failed; retrying at the next interval', { error: error instanceof Error ? error.message : String(error) });
        },
      ).finally(() => {
        this.running = null;
        this.schedule();
      });
    }, this.config.sweepIntervalMs);
    this.timer.unref();
  }
}
