import {
  EVENT_TYPES,
  InvalidEventError,
  isEvent,
  isOrderCreated,
  isStockReserved,
  parseEnvelope,
  sagaEvent,
  SagaPayloads,
  TOPIC_OF,
  Topics,
  validatePayload,
} from './index';

const validPayloads: SagaPayloads = {
  OrderCreated: { customerId: 'c-1', items: [{ sku: 'sku-1', quantity: 2, priceCents: 150 }], totalCents: 300 },
  StockReserved: { customerId: 'c-1', items: [{ sku: 'sku-1', quantity: 2, priceCents: 150 }], totalCents: 300 },
  StockRejected: { reason: 'OUT_OF_STOCK', sku: 'sku-1' },
  PaymentSucceeded: { customerId: 'c-1', amountCents: 300, paymentId: 'p-1' },
  PaymentFailed: { reason: 'INSUFFICIENT_FUNDS', customerId: 'c-1' },
  OrderConfirmed: { customerId: 'c-1', items: [{ sku: 'sku-1', quantity: 2 }], totalCents: 300 },
  OrderCancelled: { reason: 'SAGA_TIMEOUT', customerId: 'c-1', items: [{ sku: 'sku-1', quantity: 2 }] },
  PaymentRefunded: { customerId: 'c-1', amountCents: 300, paymentId: 'p-1', reason: 'order cancelled' },
  ProductPriced: { sku: 'SKU-0001', name: 'Mechanical keyboard', priceCents: 8900, version: 1 },
};

function envelope(type: string, payload: unknown): Record<string, unknown> {
  return { id: '0b7d8f0e-3f7e-4a53-9f57-2c1f4a9d8e11', type, aggregateId: 'o-1', occurredAt: new Date(0).toISOString(), payload };
}

describe('saga event contracts', () => {
  it.each(EVENT_TYPES.map((t) => [t]))('accepts a valid %s and routes it to its service topic', (type) => {
    expect(validatePayload(type, validPayloads[type])).toEqual([]);
    const parsed = parseEnvelope(JSON.stringify(envelope(type, validPayloads[type])));
    expect(parsed.type).toBe(type);
    expect(isEvent(parsed, type)).toBe(true);
    expect(sagaEvent(type, 'o-1', validPayloads[type]).topic).toBe(TOPIC_OF[type]);
  });

  it('puts each event on the topic of the service that emits it', () => {
    expect(TOPIC_OF.OrderCreated).toBe(Topics.order);
    expect(TOPIC_OF.StockRejected).toBe(Topics.inventory);
    expect(TOPIC_OF.PaymentRefunded).toBe(Topics.payment);
  });

  it('rejects an OrderCreated whose total does not match its lines', () => {
    const problems = validatePayload('OrderCreated', { ...validPayloads.OrderCreated, totalCents: 299 });
    expect(problems).toEqual([expect.stringContaining('totalCents must equal')]);
  });

  it.each([
    ['a quantity of 0', { sku: 'a', quantity: 0, priceCents: 1 }],
    ['a quantity over 100', { sku: 'a', quantity: 101, priceCents: 1 }],
    ['a fractional quantity', { sku: 'a', quantity: 1.5, priceCents: 1 }],
    ['a negative price', { sku: 'a', quantity: 1, priceCents: -1 }],
    ['an empty sku', { sku: '', quantity: 1, priceCents: 1 }],
  ])('rejects a line with %s', (_name, line) => {
    expect(validatePayload('OrderCreated', { customerId: 'c-1', items: [line], totalCents: 0 }).length).toBeGreaterThan(0);
  });

  it('rejects an order with no lines or more than 20 lines', () => {
    const line = { sku: 'a', quantity: 1, priceCents: 1 };
    expect(validatePayload('OrderCreated', { customerId: 'c', items: [], totalCents: 0 })).not.toEqual([]);
    expect(validatePayload('OrderCreated', { customerId: 'c', items: Array(21).fill(line), totalCents: 21 })).not.toEqual([]);
    expect(validatePayload('OrderCreated', { customerId: 'c', items: Array(20).fill(line), totalCents: 20 })).toEqual([]);
  });

  it.each([
    ['a version of 0', { version: 0 }],
    ['a fractional version', { version: 1.5 }],
    ['a lower-case sku', { sku: 'sku-1' }],
    ['a negative price', { priceCents: -1 }],
    ['an empty name', { name: '' }],
  ])('rejects a ProductPriced with %s (a price list must never take a price it cannot order by)', (_name, change) => {
    expect(validatePayload('ProductPriced', { ...validPayloads.ProductPriced, ...change }).length).toBeGreaterThan(0);
  });

  it('rejects unknown types, non-object payloads and missing fields', () => {
    expect(validatePayload('OrderShipped', {})).toEqual(['unknown event type "OrderShipped"']);
    expect(validatePayload('PaymentFailed', null)).toEqual(['payload must be an object']);
    expect(validatePayload('PaymentSucceeded', { customerId: 'c-1', amountCents: 1 })).toEqual([
      expect.stringContaining('paymentId'),
    ]);
  });

  it('parseEnvelope throws InvalidEventError on non-JSON, a bad envelope, or a bad payload', () => {
    expect(() => parseEnvelope('not json')).toThrow(InvalidEventError);
    expect(() => parseEnvelope(Buffer.from('{"id":1}'))).toThrow(InvalidEventError);
    expect(() => parseEnvelope({ ...envelope('OrderCreated', validPayloads.OrderCreated), occurredAt: 'yesterday' })).toThrow(
      /occurredAt/,
    );
    expect(() => parseEnvelope(envelope('StockRejected', { sku: 'a' }))).toThrow(/reason/);
  });

  it('parseEnvelope reads a Kafka value as bytes or text, and refuses one over 256 KiB in UTF-8', () => {
    const event = envelope('StockReserved', validPayloads.StockReserved);
    expect(isStockReserved(parseEnvelope(Buffer.from(JSON.stringify(event))))).toBe(true);
    expect(isStockReserved(parseEnvelope(JSON.stringify(event)))).toBe(true);
    // 140,000 characters of two bytes each: under the limit in characters, over it in bytes.
    const wide = JSON.stringify({ ...event, padding: 'é'.repeat(140_000) });
    expect(() => parseEnvelope(wide)).toThrow(/over 262144 bytes/);
    expect(() => parseEnvelope(Buffer.from(wide))).toThrow(/over 262144 bytes/);
  });

  it('parseEnvelope accepts an already parsed object (as Nest hands it over)', () => {
    const event = parseEnvelope(envelope('StockReserved', validPayloads.StockReserved));
    expect(isStockReserved(event)).toBe(true);
    expect(isOrderCreated(event)).toBe(false);
  });

  it('sagaEvent refuses an invalid payload before it reaches the outbox', () => {
    expect(() => sagaEvent('PaymentSucceeded', 'o-1', { customerId: 'c-1', amountCents: -5, paymentId: 'p' })).toThrow(InvalidEventError);
    expect(() => sagaEvent('OrderConfirmed', '', validPayloads.OrderConfirmed)).toThrow(/aggregateId/);
  });

  it('narrows a union by type in a switch', () => {
    const event = parseEnvelope(envelope('PaymentSucceeded', validPayloads.PaymentSucceeded));
    const amount = event.type === 'PaymentSucceeded' ? event.payload.amountCents : -1;
    expect(amount).toBe(300);
  });
});
