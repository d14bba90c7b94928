import { Topics } from '@shop/contracts';
import { sagaEventsConsumer } from '@shop/service-defaults';
import { InboundEventsHandler } from '../application/inbound-events.handler';

/** Kafka entry point: inventory's catalog feeds the price list; the answers of inventory and payment drive the saga. */
export const OrderEventsConsumer = sagaEventsConsumer({ topics: [Topics.inventory, Topics.payment], handler: InboundEventsHandler });
