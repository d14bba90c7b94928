import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { Topics } from '@shop/contracts';
import { handleKafkaEvent } from '@shop/messaging';
import { PaymentEventsHandler } from '../application/payment-events.handler';
import { ChaosHooks } from '../infrastructure/chaos.hooks';

/** Kafka entry point: StockReserved (inventory.events) and OrderCancelled (order.events). */
@Controller()
export class PaymentEventsConsumer {
  constructor(
    private readonly payments: PaymentEventsHandler,
    @Inject(ChaosHooks) private readonly chaos: ChaosHooks,
  ) {}

  @EventPattern(Topics.inventory)
  onInventoryEvent(@Ctx() ctx: KafkaContext): Promise<void> {
    return this.consume(ctx);
  }

  @EventPattern(Topics.order)
  onOrderEvent(@Ctx() ctx: KafkaContext): Promise<void> {
    return this.consume(ctx);
  }

  private consume(ctx: KafkaContext): Promise<void> {
    return handleKafkaEvent(ctx, async (event) => {
      if (await this.payments.handle(event)) this.chaos.afterCommit(event.type);
    });
  }
}
