import { addToCart, cartCount, cartTotalCents, MAX_LINES, MAX_QUANTITY, parseStoredCart, setQuantity } from './cart';

describe('cart', () => {
  it('adds one of a product, then increments it', () => {
    const first = addToCart([], 'sku-1', 5);
    expect(first).toEqual({ ok: true, cart: [{ sku: 'sku-1', quantity: 1 }] });
    const second = first.ok ? addToCart(first.cart, 'sku-1', 5) : first;
    expect(second).toEqual({ ok: true, cart: [{ sku: 'sku-1', quantity: 2 }] });
  });

  it('refuses more than the stock that is available', () => {
    expect(setQuantity([], 'sku-1', 3, 2)).toEqual({ ok: false, reason: 'Only 2 in stock.' });
  });

  it('keeps a line within the contract bound of 100', () => {
    const change = setQuantity([], 'sku-1', MAX_QUANTITY + 1, 1000);
    expect(change.ok).toBe(false);
  });

  it('refuses a 21st line', () => {
    const full = Array.from({ length: MAX_LINES }, (_, i) => ({ sku: `sku-${i}`, quantity: 1 }));
    expect(addToCart(full, 'sku-new', 10).ok).toBe(false);
    expect(addToCart(full, 'sku-0', 10).ok).toBe(true);
  });

  it('removes a line when its quantity becomes zero', () => {
    expect(setQuantity([{ sku: 'a', quantity: 2 }], 'a', 0, 10)).toEqual({ ok: true, cart: [] });
  });

  it('totals in integer cents', () => {
    const cart = [{ sku: 'a', quantity: 2 }, { sku: 'b', quantity: 3 }];
    const prices: Record<string, number> = { a: 199, b: 1000 };
    expect(cartTotalCents(cart, (sku) => prices[sku])).toBe(3398);
    expect(cartCount(cart)).toBe(5);
  });

  it('drops a malformed stored cart instead of sending it', () => {
    expect(parseStoredCart('not json')).toEqual([]);
    expect(parseStoredCart('[{"sku":"a","quantity":0},{"sku":"b","quantity":2},{"quantity":1}]')).toEqual([{ sku: 'b', quantity: 2 }]);
    expect(parseStoredCart(null)).toEqual([]);
  });
});
