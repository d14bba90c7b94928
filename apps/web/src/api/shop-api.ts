import type { ProductView } from '@shop/contracts';
import { HttpAnswer, request, requestWithRetry } from './http';
import { customerSession } from './session';

/** The gateway's public API (docs/architecture.md, docs/gateway.md). A product: the contract's shape. */
export type Product = ProductView;

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

/** The signed-in customer's access token: the gateway takes the customer from it, never from the body. */
const asCustomer = (): Promise<Record<string, string>> => customerSession.headers();

export const listProducts = async (): Promise<Product[]> => (await request<Product[]>('GET', '/api/products')).body;

export const createOrderToken = async (): Promise<OrderToken> =>
  (await request<OrderToken>('POST', '/api/orders/tokens', { body: {}, headers: await asCustomer() })).body;

/**
 * Sends the order with its idempotency key, through the client retry policy (a restart or a short outage behind
 * the gateway shows as a wait, not an error; the key makes every retry safe); the caller inspects status and
 * `Idempotent-Replayed`.
 */
export const placeOrder = async (token: string, items: { sku: string; quantity: number }[]): Promise<HttpAnswer<Order>> =>
  requestWithRetry<Order>('POST', '/api/orders', { body: { items }, headers: await asCustomer(), idempotencyKey: token, timeoutMs: 15_000 });

export const getOrder = async (id: string): Promise<Order> => (await request<Order>('GET', `/api/orders/${encodeURIComponent(id)}`, { headers: await asCustomer() })).body;

/** The order service may answer with a bare array or a page object; both are accepted. */
export async function listOrders(): Promise<Order[]> {
  const { body } = await request<unknown>('GET', '/api/orders', { headers: await asCustomer() });
  if (Array.isArray(body)) return body as Order[];
  const page = body as { items?: unknown; orders?: unknown } | undefined;
  if (Array.isArray(page?.items)) return page.items as Order[];
  if (Array.isArray(page?.orders)) return page.orders as Order[];
  return [];
}

export const getAccount = async (customerId: string): Promise<Account> =>
  (await request<Account>('GET', `/api/payments/accounts/${encodeURIComponent(customerId)}`, { headers: await asCustomer() })).body;
