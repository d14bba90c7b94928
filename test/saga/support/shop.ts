import type { ProductView } from '@shop/contracts';
import { eventually, HttpAnswer } from '@shop/testing';
import { ProcessName, SagaSystem } from './saga-system';

export interface Line {
  sku: string;
  quantity: number;
}

export interface OrderView {
  id: string;
  customerId: string;
  status: 'PENDING' | 'CONFIRMED' | 'CANCELLED';
  reason: string | null;
  items: { sku: string; quantity: number; priceCents: number }[];
  totalCents: number;
  history: { status: string; at: string }[];
}

/** A product as `GET /products` answers it: the contract's shape. */
export type Product = ProductView;

/** What the shop looked like before a scenario, to check the contract's invariants after it. */
export interface Baseline {
  stock: Map<string, Product>;
  balances: Map<string, number>;
}

/** Talks to the services like a client of the gateway would (the same paths, without /api). */
export class Shop {
  private nextOrderReplica = 0;

  constructor(readonly system: SagaSystem) {}

  /** Alternates between the two order replicas, as the gateway's balancer would. */
  orderReplica(): ProcessName {
    return this.nextOrderReplica++ % 2 === 0 ? 'order-1' : 'order-2';
  }

  async token(customerId: string): Promise<string> {
    const res = await this.system.call(this.orderReplica(), 'POST', '/orders/tokens', { body: { customerId }, as: customerId });
    if (res.status !== 201) throw new Error(`POST /orders/tokens answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.token as string;
  }

  /** As the body's customer (the gateway's proof says who is asking). */
  submit(key: string | undefined, body: unknown, replica: ProcessName = this.orderReplica()): Promise<HttpAnswer> {
    const as = (body as { customerId?: unknown } | null)?.customerId;
    return this.system.call(replica, 'POST', '/orders', { body, headers: key === undefined ? {} : { 'idempotency-key': key }, as: typeof as === 'string' ? as : undefined });
  }

  /** Token + POST /orders; expects 201. */
  async place(customerId: string, items: Line[]): Promise<OrderView> {
    const res = await this.submit(await this.token(customerId), { customerId, items });
    if (res.status !== 201) throw new Error(`POST /orders answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body as OrderView;
  }

  async order(id: string): Promise<OrderView> {
    const res = await this.system.call(this.orderReplica(), 'GET', `/orders/${id}`);
    if (res.status !== 200) throw new Error(`GET /orders/${id} answered ${res.status}`);
    return res.body as OrderView;
  }

  async ordersOf(customerId: string): Promise<OrderView[]> {
    const res = await this.system.call(this.orderReplica(), 'GET', `/orders?customerId=${customerId}`, { as: customerId });
    if (res.status !== 200) throw new Error(`GET /orders?customerId=${customerId} answered ${res.status}`);
    return res.body as OrderView[];
  }

  /** Waits until the saga of the order ended (CONFIRMED or CANCELLED). */
  async settled(id: string, timeoutMs = 60_000): Promise<OrderView> {
    return eventually(`order ${id} leaves PENDING`, async () => {
      const order = await this.order(id);
      return order.status === 'PENDING' ? undefined : order;
    }, timeoutMs, 200);
  }

  async products(): Promise<Map<string, Product>> {
    const res = await this.system.call('inventory', 'GET', '/products');
    if (res.status !== 200) throw new Error(`GET /products answered ${res.status}`);
    return new Map((res.body as Product[]).map((p) => [p.sku, p]));
  }

  async balance(customerId: string): Promise<number> {
    const res = await this.system.call('payment', 'GET', `/payments/accounts/${customerId}`);
    if (res.status !== 200) throw new Error(`GET /payments/accounts/${customerId} answered ${res.status}`);
    return res.body.balanceCents as number;
  }

  async payment(orderId: string): Promise<HttpAnswer> {
    return this.system.call('payment', 'GET', `/payments/orders/${orderId}`);
  }

  async baseline(customers: readonly string[]): Promise<Baseline> {
    const balances = new Map<string, number>();
    for (const c of customers) balances.set(c, await this.balance(c));
    return { stock: await this.products(), balances };
  }

  /**
   * The contract's invariants, through the services' APIs, once the system is quiet: every order of these
   * customers ended; per sku initial = available + reserved + sold with nothing reserved, and sold = what the
   * CONFIRMED orders bought; each customer paid exactly the CONFIRMED orders' totals (charged once, every
   * cancelled order's charge refunded); each CONFIRMED order has a CHARGED payment, each CANCELLED order none left.
   */
  async expectInvariants(before: Baseline, timeoutMs = 60_000): Promise<OrderView[]> {
    // Eventually consistent (BASE): the last events may still be on their way; wait until the shop is quiet.
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await this.checkInvariants(before);
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  }

  private async checkInvariants(before: Baseline): Promise<OrderView[]> {
    const orders: OrderView[] = [];
    for (const customer of before.balances.keys()) orders.push(...(await this.ordersOf(customer)));
    const pending = orders.filter((o) => o.status === 'PENDING');
    if (pending.length > 0) throw new Error(`orders still PENDING: ${pending.map((o) => o.id).join(', ')}`);

    const soldNow = new Map<string, number>();
    for (const o of orders) if (o.status === 'CONFIRMED') for (const l of o.items) soldNow.set(l.sku, (soldNow.get(l.sku) ?? 0) + l.quantity);
    const after = await this.products();
    for (const [sku, was] of before.stock) {
      const now = after.get(sku)!;
      expect({ sku, total: now.available + now.reserved + now.sold, reserved: now.reserved, soldDelta: now.sold - was.sold }).toEqual({
        sku,
        total: was.available + was.reserved + was.sold,
        reserved: 0,
        soldDelta: soldNow.get(sku) ?? 0,
      });
    }
    for (const [customer, was] of before.balances) {
      const paid = orders.filter((o) => o.customerId === customer && o.status === 'CONFIRMED').reduce((s, o) => s + o.totalCents, 0);
      expect({ customer, balance: await this.balance(customer) }).toEqual({ customer, balance: was - paid });
    }
    for (const o of orders) {
      const payment = await this.payment(o.id);
      if (o.status === 'CONFIRMED') expect({ order: o.id, payment: payment.body?.status }).toEqual({ order: o.id, payment: 'CHARGED' });
      else expect({ order: o.id, charged: payment.body?.status === 'CHARGED' }).toEqual({ order: o.id, charged: false });
    }
    return orders;
  }
}
