/** The cart: pure rules, kept apart from the page so they can be tested without a browser. */
export interface CartLine {
  sku: string;
  quantity: number;
}

/** The contract's bounds on an order: a line's quantity is 1..100, an order has 1..20 lines. */
export const MAX_QUANTITY = 100;
export const MAX_LINES = 20;

export type CartChange = { ok: true; cart: CartLine[] } | { ok: false; reason: string };

export function addToCart(cart: readonly CartLine[], sku: string, available: number): CartChange {
  const line = cart.find((l) => l.sku === sku);
  if (!line && cart.length >= MAX_LINES) return { ok: false, reason: `An order has at most ${MAX_LINES} lines.` };
  return setQuantity(cart, sku, (line?.quantity ?? 0) + 1, available);
}

export function setQuantity(cart: readonly CartLine[], sku: string, quantity: number, available: number): CartChange {
  if (!Number.isInteger(quantity) || quantity < 0) return { ok: false, reason: 'Quantity must be a whole number.' };
  if (quantity === 0) return { ok: true, cart: cart.filter((l) => l.sku !== sku) };
  if (quantity > MAX_QUANTITY) return { ok: false, reason: `At most ${MAX_QUANTITY} of one product per order.` };
  if (quantity > available) return { ok: false, reason: `Only ${available} in stock.` };
  const exists = cart.some((l) => l.sku === sku);
  if (!exists && cart.length >= MAX_LINES) return { ok: false, reason: `An order has at most ${MAX_LINES} lines.` };
  return { ok: true, cart: exists ? cart.map((l) => (l.sku === sku ? { sku, quantity } : l)) : [...cart, { sku, quantity }] };
}

export function cartTotalCents(cart: readonly CartLine[], priceOf: (sku: string) => number | undefined): number {
  return cart.reduce((sum, line) => sum + (priceOf(line.sku) ?? 0) * line.quantity, 0);
}

export function cartCount(cart: readonly CartLine[]): number {
  return cart.reduce((sum, line) => sum + line.quantity, 0);
}

/** Reads a stored cart defensively: anything malformed is dropped rather than sent to the server. */
export function parseStoredCart(raw: string | null): CartLine[] {
  if (raw === null) return [];
  try {
    const value: unknown = JSON.parse(raw);
    if (!Array.isArray(value)) return [];
    return value
      .filter((l): l is CartLine => typeof l?.sku === 'string' && Number.isInteger(l?.quantity) && l.quantity >= 1 && l.quantity <= MAX_QUANTITY)
      .slice(0, MAX_LINES);
  } catch {
    return [];
  }
}
