import { HttpAnswer, request, requestWithRetry } from './http';

/** The gateway's public API (docs/architecture.md, docs/gateway.md). */
export interface Product {
  sku: string;
  name: string;
  priceCents: number;
  available: number;
  reserved: number;
  sold: number;
}

export interface OrderLine {
  sku: string;
  quantity: number;
  priceCents?: number;
}

export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'CANCELLED';

export interface Order {
  id: string;
  customerId: string;
  status: OrderStatus;
  reason?: string | null;
  items: OrderLine[];
  totalCents: number;
  history: { status: string; at: string; reason?: string | null }[];
  createdAt?: string;
}

export interface OrderToken {
  token: string;
  expiresAt: string;
}

export interface Account {
  customerId: string;
  balanceCents: number;
}

/** The gateway can budget rate limits per customer (a policy with `key: customer` reads this header). */
const asCustomer = (customerId: string): Record<string, string> => ({ 'X-Customer-Id': customerId });

export const CUSTOMER_IDS: readonly string[] = Array.from({ length: 100 }, (_, i) => `c-${i + 1}`);

export const listProducts = async (): Promise<Product[]> => (await request<Product[]>('GET', '/api/products')).body;

export const createOrderToken = async (customerId: string): Promise<OrderToken> =>
  (await request<OrderToken>('POST', '/api/orders/tokens', { body: { customerId }, headers: asCustomer(customerId) })).body;

/**
 * Sends the order with its idempotency key, through the client retry policy (a restart or a short outage behind
 * the gateway shows as a wait, not an error; the key makes every retry safe); the caller inspects status and
 * `Idempotent-Replayed`.
 */
export const placeOrder = (token: string, customerId: string, items: { sku: string; quantity: number }[]): Promise<HttpAnswer<Order>> =>
  requestWithRetry<Order>('POST', '/api/orders', { body: { customerId, items }, headers: asCustomer(customerId), idempotencyKey: token, timeoutMs: 15_000 });

export const getOrder = async (id: string): Promise<Order> => (await request<Order>('GET', `/api/orders/${encodeURIComponent(id)}`)).body;

/** The order service may answer with a bare array or a page object; both are accepted. */
export async function listOrders(customerId: string): Promise<Order[]> {
  const { body } = await request<unknown>('GET', `/api/orders?customerId=${encodeURIComponent(customerId)}`, { headers: asCustomer(customerId) });
  if (Array.isArray(body)) return body as Order[];
  const page = body as { items?: unknown; orders?: unknown } | undefined;
  if (Array.isArray(page?.items)) return page.items as Order[];
  if (Array.isArray(page?.orders)) return page.orders as Order[];
  return [];
}

export const getAccount = async (customerId: string): Promise<Account> =>
  (await request<Account>('GET', `/api/payments/accounts/${encodeURIComponent(customerId)}`, { headers: asCustomer(customerId) })).body;
