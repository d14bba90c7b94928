import { CartLine, parseStoredCart } from '../shop/cart';
import type { SessionStore } from '../api/session';

const CART_KEY = 'shop.cart';

type Listener = () => void;

/**
 * The little state the shop keeps between pages: who is shopping (the signed-in customer, from the session)
 * and what is in the cart (localStorage).
 */
export class ShopStore {
  private listeners = new Set<Listener>();
  private lines: CartLine[];

  constructor(
    private readonly storage: Storage,
    readonly session: SessionStore,
  ) {
    this.lines = parseStoredCart(storage.getItem(CART_KEY));
    session.subscribe(() => this.notify());
  }

  /** The signed-in customer; '' when nobody is (the pages then ask to sign in). */
  get customerId(): string {
    const s = this.session.current;
    return s?.role === 'customer' ? s.subject : '';
  }

  get cart(): readonly CartLine[] {
    return this.lines;
  }

  setCart(lines: CartLine[]): void {
    this.lines = lines;
    this.storage.setItem(CART_KEY, JSON.stringify(lines));
    this.notify();
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
