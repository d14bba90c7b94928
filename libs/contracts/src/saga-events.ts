/** Kafka topics of the saga; every message is keyed by the order id, so one order's events stay in order. */
export const Topics = {
  order: 'order.events',
  inventory: 'inventory.events',
  payment: 'payment.events',
} as const;
export type Topic = (typeof Topics)[keyof typeof Topics];

/**
 * What travels on the wire (JSON). `id` is the outbox row's id (uuid) and the key consumers dedupe on;
 * `aggregateId` is the order id (also the Kafka message key); `occurredAt` is ISO-8601 (the outbox row's
 * creation time).
 */
export interface EventEnvelope<TType extends string = string, TPayload = unknown> {
  id: string;
  type: TType;
  aggregateId: string;
  occurredAt: string;
  payload: TPayload;
}

/** The contract's bounds: a line's quantity is 1..100; an order has 1..20 lines. */
export const MAX_ORDER_LINES = 20;
export const MAX_LINE_QUANTITY = 100;
/** The demo customers' ids: c-1 .. c-100 (any positive number is well-formed). */
export const CUSTOMER_ID_FORMAT = /^c-[1-9][0-9]{0,8}$/;
/** A product's sku: 1..40 upper-case letters, digits or dashes. */
export const SKU_FORMAT = /^[A-Z0-9][A-Z0-9-]{0,39}$/;

export interface LineItem {
  sku: string;
  quantity: number;
}

export interface PricedLineItem extends LineItem {
  /** Unit price in integer cents, from order's price list (fed by ProductPriced) when the order was placed. */
  priceCents: number;
}

/** order -> inventory: reserve these items. `totalCents` = sum of quantity * priceCents. */
export interface OrderCreatedPayload {
  customerId: string;
  items: PricedLineItem[];
  totalCents: number;
}

/**
 * inventory -> payment: the stock is held. Carries the customer and the amount so that payment can charge
 * without reading another service's data (payment does not consume order.events for the charge).
 */
export interface StockReservedPayload {
  customerId: string;
  items: PricedLineItem[];
  totalCents: number;
}

/** inventory -> order: nothing was reserved. `sku` names the first line that could not be served, if any. */
export interface StockRejectedPayload {
  reason: string;
  sku?: string;
}

/** payment -> order: the customer's balance was charged once for this order. */
export interface PaymentSucceededPayload {
  customerId: string;
  amountCents: number;
  paymentId: string;
}

/** payment -> order (and inventory releases on the following OrderCancelled): no charge was made. */
export interface PaymentFailedPayload {
  reason: string;
  customerId: string;
}

/** order -> inventory: turn the reservation into a sale. */
export interface OrderConfirmedPayload {
  customerId: string;
  items: LineItem[];
  totalCents: number;
}

/**
 * order -> inventory (release the reservation, if any) and payment (refund the charge, if any). Also emitted
 * by the saga timeout, so it may arrive before or after the events it overtakes.
 */
export interface OrderCancelledPayload {
  reason: string;
  customerId: string;
  items: LineItem[];
}

/** payment -> anyone interested (order's timeline, the console): a charge was given back. */
export interface PaymentRefundedPayload {
  customerId: string;
  amountCents: number;
  paymentId: string;
  reason: string;
}

/**
 * inventory -> order: a product's current name and price (the catalog, published by the seed and by every price
 * change). Keyed by sku, not by order id. `version` grows by one with each change of the product, so a consumer
 * keeps the highest version it saw and an older event, redelivered or overtaken, never overwrites a newer price.
 */
export interface ProductPricedPayload {
  sku: string;
  name: string;
  priceCents: number;
  version: number;
}

export interface SagaPayloads {
  OrderCreated: OrderCreatedPayload;
  StockReserved: StockReservedPayload;
  StockRejected: StockRejectedPayload;
  PaymentSucceeded: PaymentSucceededPayload;
  PaymentFailed: PaymentFailedPayload;
  OrderConfirmed: OrderConfirmedPayload;
  OrderCancelled: OrderCancelledPayload;
  PaymentRefunded: PaymentRefundedPayload;
  ProductPriced: ProductPricedPayload;
}
export type SagaEventType = keyof SagaPayloads;

/** One event of the given type, with its payload type. */
export type SagaEventOf<T extends SagaEventType> = EventEnvelope<T, SagaPayloads[T]>;
/** Any saga event: a discriminated union on `type`, so `switch (event.type)` narrows the payload. */
export type SagaEvent = { [T in SagaEventType]: SagaEventOf<T> }[SagaEventType];

/** Which topic carries each event type: the topic of the service that emits it. */
export const TOPIC_OF: { readonly [T in SagaEventType]: Topic } = {
  OrderCreated: Topics.order,
  OrderConfirmed: Topics.order,
  OrderCancelled: Topics.order,
  StockReserved: Topics.inventory,
  StockRejected: Topics.inventory,
  PaymentSucceeded: Topics.payment,
  PaymentFailed: Topics.payment,
  PaymentRefunded: Topics.payment,
  ProductPriced: Topics.inventory,
};

export const EVENT_TYPES = Object.keys(TOPIC_OF) as readonly SagaEventType[];

/** What a service hands to the outbox (`ctx.publish(...)`); the outbox assigns `id` and `occurredAt`. */
export interface OutgoingEvent<T extends SagaEventType = SagaEventType> {
  topic: Topic;
  type: T;
  aggregateId: string;
  payload: SagaPayloads[T];
}
