import { Topics } from '@shop/contracts';
import { sagaEventsConsumer } from '@shop/service-defaults';
import { OrderSagaHandler } from '../application/order-saga.handler';

/** Kafka entry point: the answers of inventory and payment drive the order saga. */
export const OrderEventsConsumer = sagaEventsConsumer({ topics: [Topics.inventory, Topics.payment], handler: OrderSagaHandler });
