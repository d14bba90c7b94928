import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { Topics } from '@shop/contracts';
import { handleKafkaEvent } from '@shop/messaging';
import { StockEventsHandler } from '../application/stock-events.handler';
import { ChaosHooks } from '../infrastructure/chaos.hooks';

/** Kafka entry point: the order's events (created, confirmed, cancelled). */
@Controller()
export class InventoryEventsConsumer {
  constructor(
    private readonly stock: StockEventsHandler,
    @Inject(ChaosHooks) private readonly chaos: ChaosHooks,
  ) {}

  @EventPattern(Topics.order)
  onOrderEvent(@Ctx() ctx: KafkaContext): Promise<void> {
    return handleKafkaEvent(ctx, async (event) => {
      if (await this.stock.handle(event)) this.chaos.afterCommit(event.type);
    });
  }
}
