import { Injectable } from '@nestjs/common';
import type { SagaEvent } from '@shop/contracts';
import { OrderSagaHandler } from './order-saga.handler';
import { PriceListProjection } from './price-list.projection';

/** Every event order consumes: the catalog feeds the price list, the other services' answers drive the saga. */
@Injectable()
export class InboundEventsHandler {
  constructor(
    private readonly priceList: PriceListProjection,
    private readonly saga: OrderSagaHandler,
  ) {}

  handle(event: SagaEvent): Promise<'applied' | 'duplicate' | 'ignored'> {
    if (event.type === 'ProductPriced') return this.priceList.apply(event);
    return this.saga.handle(event);
  }
}
