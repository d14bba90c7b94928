import { randomUUID } from 'node:crypto';
import type { SagaEvent, SagaEventType } from '@shop/contracts';

/** A saga event as a consumer receives it, with a fresh id unless one is given (a redelivery reuses it). */
export function sagaEvent(type: SagaEventType, aggregateId: string, payload: object, id: string = randomUUID()): SagaEvent {
  return { id, type, aggregateId, occurredAt: new Date().toISOString(), payload } as SagaEvent;
}

/** Customer c-1's OrderCreated for one line: `quantity` x `sku` at `priceCents` each. */
export function orderCreated(orderId: string, sku: string, quantity: number, priceCents = 100): SagaEvent {
  return sagaEvent('OrderCreated', orderId, { customerId: 'c-1', items: [{ sku, quantity, priceCents }], totalCents: quantity * priceCents });
}
