import { Topics } from '@shop/contracts';
import { sagaEventsConsumer } from '@shop/service-defaults';
import { PaymentEventsHandler } from '../application/payment-events.handler';

/** Kafka entry point: StockReserved (inventory.events) charges, OrderCancelled (order.events) refunds. */
export const PaymentEventsConsumer = sagaEventsConsumer({ topics: [Topics.inventory, Topics.order], handler: PaymentEventsHandler });
