import { Topics } from '@shop/contracts';
import { sagaEventsConsumer } from '@shop/service-defaults';
import { StockEventsHandler } from '../application/stock-events.handler';

/** Kafka entry point: the order's events (created, confirmed, cancelled) reserve, sell or release stock. */
export const InventoryEventsConsumer = sagaEventsConsumer({ topics: [Topics.order], handler: StockEventsHandler });
