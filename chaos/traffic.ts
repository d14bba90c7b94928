/**
 * Steady order traffic at a fixed arrival rate (an open model: order i is sent at t0 + i/rate whether or not
 * earlier ones answered, so a stall shows as latency, not as fewer requests), as the shop's own clients send it:
 * a token, the order with that token as `Idempotency-Key` (a share of them sent twice at once, like a
 * double-click, and a share impossible, to exercise compensation), then polls of the order until it is final;
 * plus a trickle of reads on the other routes (products, a payment account), to see whether a fault spreads.
 * Every request goes through the shop's client retry policy (@shop/http-retry); what is left after it is a
 * client-visible error.
 */
import { fetchWithRetry, NoAnswerError, RetryPolicy } from '@shop/http-retry';
import { Agent, fetch as undiciFetch } from 'undici';
import { SignedInCustomers } from '../test/support/sign-in';

export const CHEAP_SKUS = ['SKU-0011', 'SKU-0012', 'SKU-0013', 'SKU-0017', 'SKU-0018'] as const;
/** 3 in stock: an order of 100 can never be reserved (-> CANCELLED "out of stock"). */
export const SCARCE_SKU = 'SKU-0020';
export const CUSTOMERS = Array.from({ length: 100 }, (_, i) => `c-${i + 1}`);

export interface TrafficOptions {
  gateway: string;
  /** Orders per second. */
  rate: number;
  /** Hard bound on the orders of one scenario, whatever its length. */
  maxOrders: number;
  duplicateShare: number;
  impossibleShare: number;
  retryPolicy?: Partial<RetryPolicy>;
  /**
   * Each customer sends from its own loopback address (127.0.0.2 ..), as customers on their own machines would, so
   * that the gateway's per-IP rate limit applies per customer and not to the whole load at once. Only when the
   * gateway is on 127.0.0.1 (Linux routes all of 127.0.0.0/8 to the loopback interface).
   */
  addressPerCustomer?: boolean;
}

export interface ClientError {
  route: string;
  /** 0: no answer at all. */
  status: number;
  code: string;
  atMs: number;
}

export interface OrderAttempt {
  i: number;
  scheduledAtMs: number;
  customerId: string;
  items: { sku: string; quantity: number }[];
  impossible: boolean;
  duplicate: boolean;
  key?: string;
  id?: string;
  acceptedAtMs?: number;
  finalStatus?: 'CONFIRMED' | 'CANCELLED';
  reason?: string | null;
  finalSeenAtMs?: number;
  /** Why the order never got a 201 (after the retry policy), if it did not. */
  failedAt?: 'token' | 'place';
}

interface Answer {
  status: number;
  body: unknown;
}

const ROUTES = {
  token: 'POST /api/orders/tokens',
  place: 'POST /api/orders',
  poll: 'GET /api/orders/:id',
  products: 'GET /api/products',
  account: 'GET /api/payments/accounts/:id',
};

export class Traffic {
  readonly orders: OrderAttempt[] = [];
  readonly errors: ClientError[] = [];
  readonly retries: { atMs: number; route: string; why: string }[] = [];
  readonly calls = new Map<string, number>();
  /** Per key, every order id a 201 carried: more than one would break idempotency. */
  readonly idsPerKey = new Map<string, Set<string>>();
  private readonly flows = new Set<Promise<void>>();
  private sending = false;
  private pollUntilMs = Number.POSITIVE_INFINITY;
  private ticker: NodeJS.Timeout | undefined;
  private sideTicker: NodeJS.Timeout | undefined;
  private t0 = 0;

  private readonly agents = new Map<string, Agent>();
  /** Each customer signs in once, as a shop client would, and sends its access token. */
  private readonly sessions: SignedInCustomers;

  constructor(private readonly options: TrafficOptions) {
    // Sign-ins go through the same retry policy as every other call: a burst of customers signing in meets the
    // sign-in's own bounds (429 or 503 with Retry-After), and a gateway may be restarting.
    this.sessions = new SignedInCustomers(options.gateway, undefined, async (url, init) => {
      const { response } = await fetchWithRetry(url, { ...init, repeatable: true }, { policy: options.retryPolicy });
      return response;
    });
  }

  /** Closes the connections kept per customer address. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.agents.values()].map((a) => a.close()));
    this.agents.clear();
  }

  /** fetch from the customer's own loopback address, or the shared global fetch. */
  private fetchFor(customerId: string | undefined): typeof fetch | undefined {
    if (!customerId || !this.options.addressPerCustomer || !/^http:\/\/127\.0\.0\.1[:/]/.test(this.options.gateway)) return undefined;
    let agent = this.agents.get(customerId);
    if (!agent) {
      const n = Number(customerId.replace(/^c-/, ''));
      agent = new Agent({ localAddress: `127.0.${Math.floor(n / 250)}.${(n % 250) + 2}`, connections: 32 });
      this.agents.set(customerId, agent);
    }
    const dispatcher = agent;
    return ((url: string, init: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher })) as unknown as typeof fetch;
  }

  get startedAt(): number {
    return this.t0;
  }

  /**
   * Signs every customer in before the traffic starts, a few at a time: shoppers are signed in before they shop,
   * and identity bounds its password checks (a burst of a hundred meets 503s by design, which is not what a
   * scenario measures).
   */
  signInAll(): Promise<void> {
    return this.sessions.signInAll(CUSTOMERS);
  }

  start(): void {
    this.t0 = Date.now();
    this.sending = true;
    const tick = (): void => {
      if (!this.sending) return;
      const due = Math.min(this.options.maxOrders, Math.floor(((Date.now() - this.t0) * this.options.rate) / 1000));
      while (this.orders.length < due) this.launch(this.orders.length);
      this.ticker = setTimeout(tick, 10);
    };
    tick();
    let n = 0;
    this.sideTicker = setInterval(() => {
      const as = CUSTOMERS[n % CUSTOMERS.length]!;
      const flow = n++ % 2 === 0 ? this.call(ROUTES.products, 'GET', '/api/products', { as }) : this.call(ROUTES.account, 'GET', `/api/payments/accounts/${as}`, { as });
      this.track(flow.then(() => undefined));
    }, 500);
  }

  stopSending(): void {
    this.sending = false;
    clearTimeout(this.ticker);
    clearInterval(this.sideTicker);
  }

  /** Waits until every order's client is done (final status seen, or given up), polling no later than `deadlineMs`. */
  async settle(deadlineMs: number): Promise<void> {
    this.pollUntilMs = deadlineMs;
    while (this.flows.size > 0) await Promise.allSettled([...this.flows]);
  }

  inFlight(): number {
    return this.flows.size;
  }

  private track(flow: Promise<void>): void {
    this.flows.add(flow);
    void flow.finally(() => this.flows.delete(flow));
  }

  private launch(i: number): void {
    const impossible = this.fraction(i, this.options.impossibleShare, 7);
    const order: OrderAttempt = {
      i,
      scheduledAtMs: this.t0 + (i * 1000) / this.options.rate,
      customerId: CUSTOMERS[i % CUSTOMERS.length]!,
      items: impossible ? [{ sku: SCARCE_SKU, quantity: 100 }] : [{ sku: CHEAP_SKUS[i % CHEAP_SKUS.length]!, quantity: 1 + (i % 2) }],
      impossible,
      duplicate: this.fraction(i, this.options.duplicateShare, 3),
    };
    this.orders.push(order);
    this.track(this.runOrder(order));
  }

  /** Spreads a share over the sequence deterministically (every run sends the same mix). */
  private fraction(i: number, share: number, salt: number): boolean {
    return share > 0 && Math.floor((i + salt) * share) !== Math.floor((i + salt - 1) * share);
  }

  private async runOrder(order: OrderAttempt): Promise<void> {
    const as = order.customerId;
    const token = await this.call(ROUTES.token, 'POST', '/api/orders/tokens', { body: { customerId: order.customerId }, repeatable: true, as });
    if (token.status !== 201) {
      order.failedAt = 'token';
      return;
    }
    const key = (token.body as { token: string }).token;
    order.key = key;
    const body = { customerId: order.customerId, items: order.items };
    const sends = order.duplicate ? [0, 1] : [0];
    // Accepted when the FIRST 201 arrives, as the customer's page shows it: a double-click's twin waits for the
    // first attempt (409 + Retry-After: 1 s, then the replay), a wait no customer sees.
    const answers = await Promise.all(
      sends.map(() =>
        this.call(ROUTES.place, 'POST', '/api/orders', { body, idempotencyKey: key, as }).then((answer) => {
          if (answer.status === 201) order.acceptedAtMs ??= Date.now();
          return answer;
        }),
      ),
    );
    for (const a of answers) {
      if (a.status !== 201) continue;
      const id = (a.body as { id: string }).id;
      order.id ??= id;
      order.acceptedAtMs ??= Date.now();
      const ids = this.idsPerKey.get(key) ?? new Set<string>();
      ids.add(id);
      this.idsPerKey.set(key, ids);
    }
    if (order.id === undefined) {
      order.failedAt = 'place';
      return;
    }
    // Polls with a growing pause (1, 2, 3, then every 4 s): a patient client, gentle on the gateway's rate limit.
    for (let n = 1; ; n++) {
      await sleep(Math.min(4000, 1000 * n));
      if (Date.now() > this.pollUntilMs) return;
      const res = await this.call(ROUTES.poll, 'GET', `/api/orders/${order.id}`, { as });
      const status = (res.body as { status?: string } | undefined)?.status;
      if (res.status === 200 && (status === 'CONFIRMED' || status === 'CANCELLED')) {
        order.finalStatus = status;
        order.reason = (res.body as { reason?: string | null }).reason ?? null;
        order.finalSeenAtMs = Date.now();
        return;
      }
    }
  }

  /** One request through the retry policy; a non-2xx left after it is recorded as a client-visible error. */
  private async call(route: string, method: string, path: string, opts: { body?: unknown; idempotencyKey?: string; repeatable?: boolean; as?: string } = {}): Promise<Answer> {
    this.calls.set(route, (this.calls.get(route) ?? 0) + 1);
    try {
      const auth = opts.as === undefined || path.startsWith('/api/products') ? {} : await this.sessions.headersFor(opts.as);
      const { response } = await fetchWithRetry(
        `${this.options.gateway}${path}`,
        {
          method,
          headers: opts.body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
          body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
          idempotencyKey: opts.idempotencyKey,
          repeatable: opts.repeatable,
        },
        { policy: this.options.retryPolicy, fetch: this.fetchFor(opts.as), onRetry: (e) => this.retries.push({ atMs: Date.now(), route, why: e.why }) },
      );
      const text = await response.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      if (response.status >= 300) {
        const code = (body as { error?: { code?: string } } | undefined)?.error?.code ?? `http_${response.status}`;
        this.errors.push({ route, status: response.status, code, atMs: Date.now() });
      }
      return { status: response.status, body };
    } catch (error) {
      const code = error instanceof NoAnswerError ? `no_answer_${error.reason}` : 'client_error';
      this.errors.push({ route, status: 0, code, atMs: Date.now() });
      return { status: 0, body: undefined };
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
