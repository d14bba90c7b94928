import { randomBytes } from 'node:crypto';
import { eventually } from '@shop/testing';
import { OtlpReceiver, ReceivedSpan, SpanKinds } from '../support/otlp-receiver';
import { RunningSystem, startSystem } from '../support/system';
import { SignedInCustomers } from '../support/sign-in';

jest.setTimeout(300_000);

interface Line {
  sku: string;
  quantity: number;
}
interface OrderView {
  id: string;
  status: 'PENDING' | 'CONFIRMED' | 'CANCELLED';
  reason: string | null;
}

/**
 * The one place this test places an order through the gateway, as a shop client does: a token, then the order
 * under it as its Idempotency-Key, with the client's own W3C traceparent (the gateway continues it).
 */
async function placeOrder(gatewayUrl: string, signedIn: Record<string, string>, customerId: string, items: Line[], traceparent: string): Promise<OrderView> {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gatewayUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent, ...signedIn, ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  const tokenAnswer = await post('/api/orders/tokens', { customerId });
  if (tokenAnswer.status !== 201) throw new Error(`POST /api/orders/tokens answered ${tokenAnswer.status}: ${await tokenAnswer.text()}`);
  const { token } = (await tokenAnswer.json()) as { token: string };
  const placed = await post('/api/orders', { customerId, items }, { 'idempotency-key': token });
  if (placed.status !== 201) throw new Error(`POST /api/orders answered ${placed.status}: ${await placed.text()}`);
  return (await placed.json()) as OrderView;
}

async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** A client's own trace context: a fresh trace id, sampled. */
function clientTraceparent(): { traceId: string; spanId: string; header: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, header: `00-${traceId}-${spanId}-01` };
}

interface Step {
  service: string;
  name: string;
  kind: number;
  eventType?: string;
}

/** Reads one trace's parent/child links. */
class TraceView {
  private readonly byId: Map<string, ReceivedSpan>;

  constructor(readonly spans: readonly ReceivedSpan[]) {
    this.byId = new Map(spans.map((s) => [s.spanId, s]));
  }

  /** The spans matching `step` that are children (`direct`) or descendants of `under`. */
  matching(step: Step, under: ReceivedSpan | undefined, direct: boolean): ReceivedSpan[] {
    return this.spans.filter(
      (s) =>
        s.service === step.service &&
        s.name === step.name &&
        s.kind === step.kind &&
        (step.eventType === undefined || s.attributes['shop.event.type'] === step.eventType) &&
        (under === undefined || (direct ? s.parentSpanId === under.spanId : this.isBelow(s, under))),
    );
  }

  private isBelow(span: ReceivedSpan, ancestor: ReceivedSpan): boolean {
    for (let p = this.byId.get(span.parentSpanId); p !== undefined; p = this.byId.get(p.parentSpanId)) {
      if (p.spanId === ancestor.spanId) return true;
    }
    return false;
  }

  /**
   * Follows a chain of steps, each a child (`direct`) or descendant of the one before, starting under `root`
   * (trying every candidate: the token's request and the order's share the gateway's span name); undefined when
   * some step is not (yet) in the trace.
   */
  chain(root: ReceivedSpan | undefined, steps: readonly (Step & { direct: boolean })[]): ReceivedSpan[] | undefined {
    if (steps.length === 0) return [];
    const [step, ...rest] = steps;
    for (const candidate of this.matching(step!, root, step!.direct)) {
      const tail = this.chain(candidate, rest);
      if (tail !== undefined) return [candidate, ...tail];
    }
    return undefined;
  }

  describe(): string {
    return this.spans.map((s) => `${s.service} ${s.name} kind=${s.kind} ${String(s.attributes['shop.event.type'] ?? '')} ${s.spanId}<-${s.parentSpanId}`).join('\n');
  }
}

const { server, client, producer, consumer } = SpanKinds;
/** The saga's first half, from the client's request to payment's answer reaching order. */
const placeToPaymentAnswer = (paymentEvent: string) => [
  { service: 'gateway', name: 'POST /api/orders', kind: server, direct: true },
  { service: 'order', name: 'POST /orders', kind: server, direct: true },
  { service: 'order', name: 'order.events publish', kind: producer, eventType: 'OrderCreated', direct: false },
  { service: 'inventory', name: 'order.events process', kind: consumer, eventType: 'OrderCreated', direct: true },
  { service: 'inventory', name: 'inventory.events publish', kind: producer, eventType: 'StockReserved', direct: false },
  { service: 'payment', name: 'inventory.events process', kind: consumer, eventType: 'StockReserved', direct: true },
  { service: 'payment', name: 'payment.events publish', kind: producer, eventType: paymentEvent, direct: false },
  { service: 'order', name: 'payment.events process', kind: consumer, eventType: paymentEvent, direct: true },
];

// One order is one trace: the gateway continues the client's traceparent, each service continues the caller's,
// the outbox stores the context with the row and the relay sends it in the Kafka headers, each consumer
// continues it. Spans reach an in-process OTLP/HTTP receiver, as they would reach the Collector.
describe('tracing: one order is one trace from the gateway to its end', () => {
  const receiver = new OtlpReceiver();
  let system: RunningSystem;
  let customers: SignedInCustomers;
  const saved = { ...process.env };

  beforeAll(async () => {
    const endpoint = await receiver.start();
    // The started processes inherit these (test/support/system.ts passes the environment on).
    Object.assign(process.env, {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    system = await startSystem();
    customers = new SignedInCustomers(system.gatewayUrl);
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    await receiver.stop();
    process.env = saved;
  }, 60_000);

  const orderSettled = (id: string, customerId: string) =>
    eventually(`order ${id} settled`, async () => {
      const order = await getJson<OrderView>(`${system.gatewayUrl}/api/orders/${id}`, await customers.headersFor(customerId));
      return order.status === 'PENDING' ? undefined : order;
    }, 60_000, 200);

  const expectOneTracePerOrder = (orderId: string, traceId: string) => {
    const published = receiver.spans.filter((s) => s.kind === producer && s.attributes['messaging.kafka.message.key'] === orderId);
    expect(published.length).toBeGreaterThanOrEqual(3);
    expect([...new Set(published.map((s) => s.traceId))]).toEqual([traceId]);
  };

  it('a confirmed order: gateway -> order -> Kafka -> inventory -> payment -> order, with database and Redis spans', async () => {
    const trace = clientTraceparent();
    const placed = await placeOrder(system.gatewayUrl, await customers.headersFor('c-41'), 'c-41', [{ sku: 'SKU-0003', quantity: 1 }], trace.header);
    expect((await orderSettled(placed.id, 'c-41')).status).toBe('CONFIRMED');

    const steps = [
      ...placeToPaymentAnswer('PaymentSucceeded'),
      { service: 'order', name: 'order.events publish', kind: producer, eventType: 'OrderConfirmed', direct: false },
      { service: 'inventory', name: 'order.events process', kind: consumer, eventType: 'OrderConfirmed', direct: true },
    ];
    const root = { spanId: trace.spanId } as ReceivedSpan;
    const chain = await eventually('the whole saga in one trace', () => new TraceView(receiver.trace(trace.traceId)).chain(root, steps), 60_000, 200).catch((error: Error) => {
      throw new Error(`${error.message}\n${new TraceView(receiver.trace(trace.traceId)).describe()}`);
    });
    const view = new TraceView(receiver.trace(trace.traceId));
    const [, orderServer] = chain;
    // The order's own work: the idempotency token in Redis and the transaction that writes order + outbox row.
    expect(view.matching({ service: 'order', name: 'redis EVAL idempotency.begin', kind: client }, orderServer, true)).toHaveLength(1);
    expect(view.matching({ service: 'order', name: 'pg transaction', kind: client }, orderServer, true).length).toBeGreaterThanOrEqual(1);
    // Each consumer's effect is a database transaction under its span.
    for (const consumed of chain.filter((s) => s.kind === consumer)) {
      expect(view.matching({ service: consumed.service, name: 'pg transaction', kind: client }, consumed, true)).toHaveLength(1);
    }
    expectOneTracePerOrder(placed.id, trace.traceId);
  });

  it("a cancelled order's compensation (stock released) is in the same trace", async () => {
    // Insufficient funds, deterministically: more of one product than the customer's balance pays for.
    const customerId = 'c-42';
    const { balanceCents } = await getJson<{ balanceCents: number }>(`${system.gatewayUrl}/api/payments/accounts/${customerId}`, await customers.headersFor(customerId));
    const products = await getJson<{ sku: string; priceCents: number; available: number }[]>(`${system.gatewayUrl}/api/products`);
    const line = products
      .map((p) => ({ sku: p.sku, quantity: Math.floor(balanceCents / p.priceCents) + 1, available: p.available }))
      .find((l) => l.quantity <= Math.min(100, l.available));
    if (line === undefined) throw new Error(`no product has enough stock to exceed ${customerId}'s balance of ${balanceCents} cents`);

    const trace = clientTraceparent();
    const placed = await placeOrder(system.gatewayUrl, await customers.headersFor(customerId), customerId, [{ sku: line.sku, quantity: line.quantity }], trace.header);
    expect(await orderSettled(placed.id, customerId)).toMatchObject({ status: 'CANCELLED', reason: 'insufficient funds' });

    const steps = [
      ...placeToPaymentAnswer('PaymentFailed'),
      { service: 'order', name: 'order.events publish', kind: producer, eventType: 'OrderCancelled', direct: false },
      { service: 'inventory', name: 'order.events process', kind: consumer, eventType: 'OrderCancelled', direct: true },
      // The compensation itself: inventory's transaction that releases the reserved stock.
      { service: 'inventory', name: 'pg transaction', kind: client, direct: true },
    ];
    const root = { spanId: trace.spanId } as ReceivedSpan;
    await eventually('the saga and its compensation in one trace', () => new TraceView(receiver.trace(trace.traceId)).chain(root, steps), 60_000, 200).catch((error: Error) => {
      throw new Error(`${error.message}\n${new TraceView(receiver.trace(trace.traceId)).describe()}`);
    });
    expectOneTracePerOrder(placed.id, trace.traceId);
  });

  it("the saga's timeline names the order's trace, for the console's link to the trace viewer", async () => {
    const trace = clientTraceparent();
    const placed = await placeOrder(system.gatewayUrl, await customers.headersFor('c-43'), 'c-43', [{ sku: 'SKU-0004', quantity: 1 }], trace.header);
    await orderSettled(placed.id, 'c-43');
    // The console's view of the saga (the services' internal timelines, merged by the gateway), as its customer.
    const saga = await getJson<{ events: { service: string; direction: string; traceId: string | null }[] }>(
      `${system.gatewayUrl}/api/console/sagas/${placed.id}`,
      await customers.headersFor('c-43'),
    );
    const written = saga.events.filter((e) => e.service === 'order' && e.direction === 'out');
    expect(written.length).toBeGreaterThanOrEqual(1);
    expect(new Set(written.map((e) => e.traceId))).toEqual(new Set([trace.traceId]));
  });
});
