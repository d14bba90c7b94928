/**
 * The truth of a chaos scenario, read from the services' own databases (as the Postgres superuser, like the
 * benchmarks): stock, balances, orders and payments, and the contract's invariants checked on them
 * (ARCHITECTURE.md "The order saga"). Reads only, except `topUp`, which refills the demo accounts and the stock of
 * the products the runner buys before a scenario (so that a long run measures faults, not empty wallets); the
 * invariants are checked against the snapshot taken after it.
 */
import { Client } from 'pg';

export interface StockLevel {
  available: number;
  reserved: number;
  sold: number;
}

export interface Snapshot {
  stock: Map<string, StockLevel>;
  balances: Map<string, number>;
}

export interface DbOrder {
  id: string;
  key: string;
  customerId: string;
  status: 'PENDING' | 'CONFIRMED' | 'CANCELLED';
  reason: string | null;
  items: { sku: string; quantity: number; priceCents: number }[];
  totalCents: number;
  /** Server time of PENDING and of the final status (ms since epoch). */
  createdAtMs: number;
  finalAtMs: number | null;
}

export interface DbPayment {
  orderId: string;
  status: 'CHARGED' | 'REFUNDED' | 'FAILED' | 'VOIDED';
  amountCents: number;
}

export interface Invariant {
  name: string;
  ok: boolean;
  detail: string;
}

export class Ledger {
  private constructor(
    private readonly orders: Client,
    private readonly inventory: Client,
    private readonly payments: Client,
  ) {}

  /** `postgresUrl` without a database, e.g. postgres://postgres@127.0.0.1:5432 */
  static async open(postgresUrl: string): Promise<Ledger> {
    const client = (database: string) => {
      const url = new URL(postgresUrl);
      url.pathname = `/${database}`;
      return new Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000, statement_timeout: 30_000 });
    };
    const clients = [client('orders'), client('inventory'), client('payments')] as const;
    await Promise.all(clients.map((c) => c.connect()));
    return new Ledger(...clients);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.orders.end(), this.inventory.end(), this.payments.end()]);
  }

  async snapshot(): Promise<Snapshot> {
    const stock = new Map<string, StockLevel>();
    for (const r of (await this.inventory.query('SELECT sku, available, reserved, sold FROM products ORDER BY sku')).rows) {
      stock.set(r.sku, { available: Number(r.available), reserved: Number(r.reserved), sold: Number(r.sold) });
    }
    const balances = new Map<string, number>();
    for (const r of (await this.payments.query('SELECT customer_id, balance_cents FROM accounts')).rows) balances.set(r.customer_id, Number(r.balance_cents));
    return { stock, balances };
  }

  async reservedTotal(skus: readonly string[]): Promise<Map<string, number>> {
    const rows = (await this.inventory.query('SELECT sku, reserved FROM products WHERE sku = ANY($1)', [skus])).rows;
    return new Map(rows.map((r) => [r.sku as string, Number(r.reserved)]));
  }

  async ordersByKeys(keys: readonly string[]): Promise<DbOrder[]> {
    if (keys.length === 0) return [];
    const { rows } = await this.orders.query(
      'SELECT id, idempotency_key, customer_id, status, reason, items, total_cents, history, created_at FROM orders WHERE idempotency_key = ANY($1)',
      [keys],
    );
    return rows.map((r) => {
      const history = r.history as { status: string; at: string }[];
      const final = history.find((h) => h.status !== 'PENDING');
      return {
        id: r.id,
        key: r.idempotency_key,
        customerId: r.customer_id,
        status: r.status,
        reason: r.reason,
        items: r.items,
        totalCents: Number(r.total_cents),
        createdAtMs: new Date(r.created_at).getTime(),
        finalAtMs: final ? Date.parse(final.at) : null,
      };
    });
  }

  async paymentsOf(orderIds: readonly string[]): Promise<Map<string, DbPayment>> {
    if (orderIds.length === 0) return new Map();
    const { rows } = await this.payments.query('SELECT order_id, status, amount_cents FROM payments WHERE order_id = ANY($1)', [orderIds]);
    return new Map(rows.map((r) => [r.order_id as string, { orderId: r.order_id, status: r.status, amountCents: Number(r.amount_cents) }]));
  }

  /** Raises the customers' balances and the products' available stock to at least the given floors; says what it did. */
  async topUp(customers: readonly string[], minBalanceCents: number, skus: readonly string[], minAvailable: number): Promise<string[]> {
    const done: string[] = [];
    const b = await this.payments.query('UPDATE accounts SET balance_cents = $2 WHERE customer_id = ANY($1) AND balance_cents < $2', [customers, minBalanceCents]);
    if (b.rowCount) done.push(`${b.rowCount} account(s) topped up to ${minBalanceCents / 100}`);
    const s = await this.inventory.query('UPDATE products SET available = $2 WHERE sku = ANY($1) AND available < $2', [skus, minAvailable]);
    if (s.rowCount) done.push(`${s.rowCount} product(s) restocked to ${minAvailable} available`);
    return done;
  }
}

/**
 * The contract's invariants for the orders of one scenario (the runner's own traffic is the only traffic):
 * `before` is the snapshot taken before it, `after` once every order ended.
 */
export function checkInvariants(input: {
  before: Snapshot;
  after: Snapshot;
  orders: readonly DbOrder[];
  payments: ReadonlyMap<string, DbPayment>;
  /** Order ids the clients saw in a 201, and the key each came with. */
  acceptedIds: ReadonlyMap<string, string>;
  /** Per key, every distinct order id the clients were answered with. */
  idsPerKey: ReadonlyMap<string, ReadonlySet<string>>;
  /** Seconds from the last order's end until every sku's reserved stock was back at its start; undefined: never. */
  reservedBackAfterS: number | undefined;
}): Invariant[] {
  const { before, after, orders, payments } = input;
  const result: Invariant[] = [];
  const add = (name: string, problems: string[], okDetail: string) =>
    result.push({ name, ok: problems.length === 0, detail: problems.length === 0 ? okDetail : `${problems.length} problem(s): ${problems.slice(0, 5).join('; ')}` });

  const pending = orders.filter((o) => o.status === 'PENDING');
  add('every order final (CONFIRMED or CANCELLED)', pending.map((o) => `${o.id} PENDING`), `${orders.length} orders final`);

  const soldByConfirmed = new Map<string, number>();
  for (const o of orders) if (o.status === 'CONFIRMED') for (const l of o.items) soldByConfirmed.set(l.sku, (soldByConfirmed.get(l.sku) ?? 0) + l.quantity);
  const conserved: string[] = [];
  const sold: string[] = [];
  for (const [sku, was] of before.stock) {
    const now = after.stock.get(sku);
    if (!now) {
      conserved.push(`${sku} disappeared`);
      continue;
    }
    const total = (l: StockLevel) => l.available + l.reserved + l.sold;
    if (total(now) !== total(was)) conserved.push(`${sku}: ${total(was)} -> ${total(now)}`);
    if (now.sold - was.sold !== (soldByConfirmed.get(sku) ?? 0)) sold.push(`${sku}: sold +${now.sold - was.sold}, CONFIRMED orders bought ${soldByConfirmed.get(sku) ?? 0}`);
  }
  add('per sku: available + reserved + sold unchanged', conserved, `${before.stock.size} skus conserved`);
  add('per sku: sold grew by what CONFIRMED orders bought', sold, 'matches');
  const reservedS = input.reservedBackAfterS;
  add(
    'reserved stock back to its start within 10 s of the last order\'s end',
    reservedS === undefined ? ['never within the wait'] : reservedS > 10 ? [`after ${reservedS.toFixed(1)} s`] : [],
    `after ${reservedS?.toFixed(1)} s`,
  );

  const charged: string[] = [];
  const refunded: string[] = [];
  for (const o of orders) {
    const p = payments.get(o.id);
    if (o.status === 'CONFIRMED' && (p?.status !== 'CHARGED' || p.amountCents !== o.totalCents)) charged.push(`${o.id}: payment ${p ? `${p.status} ${p.amountCents}` : 'missing'}, total ${o.totalCents}`);
    if (o.status === 'CANCELLED' && p?.status === 'CHARGED') refunded.push(`${o.id} (${o.reason}) still CHARGED`);
  }
  add('every CONFIRMED order charged exactly once', charged, `${orders.filter((o) => o.status === 'CONFIRMED').length} charged once`);
  add('every CANCELLED order\'s charge refunded', refunded, `${orders.filter((o) => o.status === 'CANCELLED').length} with no charge left`);

  const spent = new Map<string, number>();
  for (const o of orders) if (o.status === 'CONFIRMED') spent.set(o.customerId, (spent.get(o.customerId) ?? 0) + o.totalCents);
  const balances: string[] = [];
  for (const [customer, was] of before.balances) {
    const now = after.balances.get(customer) ?? Number.NaN;
    if (was - now !== (spent.get(customer) ?? 0)) balances.push(`${customer}: paid ${was - now}, CONFIRMED orders total ${spent.get(customer) ?? 0}`);
  }
  add('balances = start - CONFIRMED totals', balances, `${before.balances.size} accounts`);

  const perKey = new Map<string, number>();
  for (const o of orders) perKey.set(o.key, (perKey.get(o.key) ?? 0) + 1);
  const doubles = [...perKey].filter(([, n]) => n > 1).map(([k, n]) => `key ${k}: ${n} orders`);
  for (const [key, ids] of input.idsPerKey) if (ids.size > 1) doubles.push(`key ${key}: clients saw ${ids.size} different ids`);
  add('one idempotency key, at most one order', doubles, `${perKey.size} keys, one order each`);

  const known = new Set(orders.map((o) => o.id));
  const lost = [...input.acceptedIds.keys()].filter((id) => !known.has(id)).map((id) => `${id} answered 201 but not in the database`);
  add('every accepted order exists', lost, `${input.acceptedIds.size} accepted, all stored`);
  return result;
}
