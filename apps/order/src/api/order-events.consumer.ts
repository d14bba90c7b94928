import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { metricsRegistry } from '@shop/common';
import { Topics } from '@shop/contracts';
import { handleKafkaEvent } from '@shop/messaging';
import { Counter } from 'prom-client';
import { OrderSagaHandler } from '../application/order-saga.handler';
import { ChaosHooks } from '../infrastructure/chaos.hooks';

/** Every consumed saga event by outcome: `duplicate` counts redeliveries the inbox absorbed. */
const consumed = new Counter({
  name: 'saga_events_consumed_total',
  help: 'Saga events consumed, by type and outcome (applied, duplicate: absorbed by the inbox, ignored)',
  labelNames: ['type', 'outcome'] as const,
  registers: [metricsRegistry],
});

/** Kafka entry point: the answers of inventory and payment, one handler call per event. */
@Controller()
export class OrderEventsConsumer {
  constructor(
    private readonly saga: OrderSagaHandler,
    @Inject(ChaosHooks) private readonly chaos: ChaosHooks,
  ) {}

  @EventPattern(Topics.inventory)
  onInventoryEvent(@Ctx() ctx: KafkaContext): Promise<void> {
    return this.consume(ctx);
  }

  @EventPattern(Topics.payment)
  onPaymentEvent(@Ctx() ctx: KafkaContext): Promise<void> {
    return this.consume(ctx);
  }

  private consume(ctx: KafkaContext): Promise<void> {
    return handleKafkaEvent(ctx, async (event) => {
      const outcome = await this.saga.handle(event);
      consumed.inc({ type: event.type, outcome });
      if (outcome === 'applied') this.chaos.afterCommit(event.type);
    });
  }
}
