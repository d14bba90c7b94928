import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { Topics } from '@shop/contracts';
import { handleKafkaEvent } from '@shop/messaging';
import { OrderSagaHandler } from '../application/order-saga.handler';
import { ChaosHooks } from '../infrastructure/chaos.hooks';

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
      const applied = await this.saga.handle(event);
      if (applied) this.chaos.afterCommit(event.type);
    });
  }
}
