import {
  MAX_LINE_QUANTITY,
  MAX_ORDER_LINES,
  SKU_FORMAT,
  OutgoingEvent,
  SagaEvent,
  SagaEventOf,
  SagaEventType,
  SagaPayloads,
  TOPIC_OF,
} from './saga-events';

/** A message that is not a valid saga event: it can never succeed, so retrying it is pointless. */
export class InvalidEventError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid event: ${problems.join('; ')}`);
    this.name = 'InvalidEventError';
  }
}

const MAX_ID_LENGTH = 128;
const MAX_REASON_LENGTH = 500;
/** Bounds the work a malformed or hostile message can cause before it is rejected. */
const MAX_RAW_BYTES = 256 * 1024;
const UTF8 = new TextDecoder();

/** Whether a message is over MAX_RAW_BYTES in UTF-8; a string is encoded only when its length leaves it open (1 to 3 bytes per UTF-16 unit). */
function overRawLimit(raw: Uint8Array | string): boolean {
  if (typeof raw !== 'string') return raw.byteLength > MAX_RAW_BYTES;
  if (raw.length > MAX_RAW_BYTES || raw.length * 3 <= MAX_RAW_BYTES) return raw.length > MAX_RAW_BYTES;
  return new TextEncoder().encode(raw).byteLength > MAX_RAW_BYTES;
}

type Problems = string[];
type Checker = (value: Record<string, unknown>, at: string, problems: Problems) => void;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function id(value: unknown, at: string, problems: Problems): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) {
    problems.push(`${at} must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
}

function reason(value: unknown, at: string, problems: Problems): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_REASON_LENGTH) {
    problems.push(`${at} must be a non-empty string of at most ${MAX_REASON_LENGTH} characters`);
  }
}

function cents(value: unknown, at: string, problems: Problems): void {
  if (!Number.isSafeInteger(value) || (value as number) < 0) problems.push(`${at} must be a non-negative integer (cents)`);
}

/** Checks the lines and returns their total (quantity * priceCents) when every line is priced. */
function lines(value: unknown, at: string, problems: Problems, priced: boolean): number | undefined {
  if (!Array.isArray(value) || value.length < 1 || value.length > MAX_ORDER_LINES) {
    problems.push(`${at} must be an array of 1..${MAX_ORDER_LINES} lines`);
    return undefined;
  }
  let total = 0;
  value.forEach((line: unknown, i) => {
    const lineAt = `${at}[${i}]`;
    if (!isRecord(line)) {
      problems.push(`${lineAt} must be an object`);
      return;
    }
    id(line.sku, `${lineAt}.sku`, problems);
    const quantity = line.quantity;
    if (!Number.isSafeInteger(quantity) || (quantity as number) < 1 || (quantity as number) > MAX_LINE_QUANTITY) {
      problems.push(`${lineAt}.quantity must be an integer 1..${MAX_LINE_QUANTITY}`);
    }
    if (priced) {
      cents(line.priceCents, `${lineAt}.priceCents`, problems);
      total += (quantity as number) * (line.priceCents as number);
    }
  });
  return priced ? total : undefined;
}

function pricedOrder(p: Record<string, unknown>, at: string, problems: Problems): void {
  id(p.customerId, `${at}.customerId`, problems);
  const before = problems.length;
  const sum = lines(p.items, `${at}.items`, problems, true);
  cents(p.totalCents, `${at}.totalCents`, problems);
  if (problems.length === before && sum !== p.totalCents) {
    problems.push(`${at}.totalCents must equal the sum of quantity * priceCents (${sum})`);
  }
}

const MAX_NAME_LENGTH = 200;

const CHECKS: { readonly [T in SagaEventType]: Checker } = {
  OrderCreated: pricedOrder,
  StockReserved: pricedOrder,
  StockRejected: (p, at, problems) => {
    reason(p.reason, `${at}.reason`, problems);
    if (p.sku !== undefined) id(p.sku, `${at}.sku`, problems);
  },
  PaymentSucceeded: (p, at, problems) => {
    id(p.customerId, `${at}.customerId`, problems);
    cents(p.amountCents, `${at}.amountCents`, problems);
    id(p.paymentId, `${at}.paymentId`, problems);
  },
  PaymentFailed: (p, at, problems) => {
    reason(p.reason, `${at}.reason`, problems);
    id(p.customerId, `${at}.customerId`, problems);
  },
  OrderConfirmed: (p, at, problems) => {
    id(p.customerId, `${at}.customerId`, problems);
    lines(p.items, `${at}.items`, problems, false);
    cents(p.totalCents, `${at}.totalCents`, problems);
  },
  OrderCancelled: (p, at, problems) => {
    reason(p.reason, `${at}.reason`, problems);
    id(p.customerId, `${at}.customerId`, problems);
    lines(p.items, `${at}.items`, problems, false);
  },
  PaymentRefunded: (p, at, problems) => {
    id(p.customerId, `${at}.customerId`, problems);
    cents(p.amountCents, `${at}.amountCents`, problems);
    id(p.paymentId, `${at}.paymentId`, problems);
    reason(p.reason, `${at}.reason`, problems);
  },
  ProductPriced: (p, at, problems) => {
    if (typeof p.sku !== 'string' || !SKU_FORMAT.test(p.sku)) problems.push(`${at}.sku must be a sku (1..40 upper-case letters, digits or dashes)`);
    if (typeof p.name !== 'string' || p.name.length === 0 || p.name.length > MAX_NAME_LENGTH) {
      problems.push(`${at}.name must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`);
    }
    cents(p.priceCents, `${at}.priceCents`, problems);
    if (!Number.isSafeInteger(p.version) || (p.version as number) < 1) problems.push(`${at}.version must be a positive integer`);
  },
};

export function isSagaEventType(type: unknown): type is SagaEventType {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(CHECKS, type);
}

/** Every problem of `payload` as the payload of `type`; empty when it is valid. */
export function validatePayload(type: string, payload: unknown): string[] {
  if (!isSagaEventType(type)) return [`unknown event type ${JSON.stringify(type)}`];
  if (!isRecord(payload)) return ['payload must be an object'];
  const problems: Problems = [];
  CHECKS[type](payload, 'payload', problems);
  return problems;
}

function envelopeProblems(value: unknown): Problems {
  if (!isRecord(value)) return ['envelope must be an object'];
  const problems: Problems = [];
  id(value.id, 'id', problems);
  id(value.aggregateId, 'aggregateId', problems);
  if (typeof value.occurredAt !== 'string' || Number.isNaN(Date.parse(value.occurredAt))) {
    problems.push('occurredAt must be an ISO-8601 timestamp');
  }
  problems.push(...validatePayload(value.type as string, value.payload));
  return problems;
}

/**
 * A validated saga event from a Kafka message value (bytes, e.g. a Buffer, or a JSON string) or from an already
 * parsed object (Nest's Kafka transport parses JSON values before the handler sees them). Throws
 * `InvalidEventError`. No Node.js API: the browser app imports this library too (for its config keys).
 */
export function parseEnvelope(raw: unknown): SagaEvent {
  let value = raw;
  if (raw instanceof Uint8Array || typeof raw === 'string') {
    if (overRawLimit(raw)) throw new InvalidEventError([`message is over ${MAX_RAW_BYTES} bytes`]);
    const text = typeof raw === 'string' ? raw : UTF8.decode(raw);
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      throw new InvalidEventError(['message is not JSON']);
    }
  }
  const problems = envelopeProblems(value);
  if (problems.length > 0) throw new InvalidEventError(problems);
  return value as SagaEvent;
}

/** Narrows any valid envelope (checked shape and payload) to one event type. */
export function isEvent<T extends SagaEventType>(event: unknown, type: T): event is SagaEventOf<T> {
  return isRecord(event) && event.type === type && envelopeProblems(event).length === 0;
}

export const isOrderCreated = (e: unknown): e is SagaEventOf<'OrderCreated'> => isEvent(e, 'OrderCreated');
export const isStockReserved = (e: unknown): e is SagaEventOf<'StockReserved'> => isEvent(e, 'StockReserved');
export const isStockRejected = (e: unknown): e is SagaEventOf<'StockRejected'> => isEvent(e, 'StockRejected');
export const isPaymentSucceeded = (e: unknown): e is SagaEventOf<'PaymentSucceeded'> => isEvent(e, 'PaymentSucceeded');
export const isPaymentFailed = (e: unknown): e is SagaEventOf<'PaymentFailed'> => isEvent(e, 'PaymentFailed');
export const isOrderConfirmed = (e: unknown): e is SagaEventOf<'OrderConfirmed'> => isEvent(e, 'OrderConfirmed');
export const isOrderCancelled = (e: unknown): e is SagaEventOf<'OrderCancelled'> => isEvent(e, 'OrderCancelled');
export const isPaymentRefunded = (e: unknown): e is SagaEventOf<'PaymentRefunded'> => isEvent(e, 'PaymentRefunded');
export const isProductPriced = (e: unknown): e is SagaEventOf<'ProductPriced'> => isEvent(e, 'ProductPriced');

/**
 * An outgoing event for `ctx.publish(...)`, on the topic its type belongs to. Validates the payload now, so a
 * bad event fails the transaction that would have written it instead of poisoning consumers later.
 */
export function sagaEvent<T extends SagaEventType>(type: T, aggregateId: string, payload: SagaPayloads[T]): OutgoingEvent<T> {
  const problems: Problems = [];
  id(aggregateId, 'aggregateId', problems);
  problems.push(...validatePayload(type, payload));
  if (problems.length > 0) throw new InvalidEventError(problems);
  return { topic: TOPIC_OF[type], type, aggregateId, payload };
}
