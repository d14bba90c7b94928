import { CartLine, parseStoredCart } from '../shop/cart';
import { CUSTOMER_IDS } from '../api/shop-api';

const CUSTOMER_KEY = 'shop.customerId';
const CART_KEY = 'shop.cart';

type Listener = () => void;

/** The little state the shop keeps between pages: who is shopping and what is in the cart (localStorage). */
export class ShopStore {
  private listeners = new Set<Listener>();
  private customer: string;
  private lines: CartLine[];

  constructor(private readonly storage: Storage) {
    const stored = storage.getItem(CUSTOMER_KEY);
    this.customer = stored !== null && CUSTOMER_IDS.includes(stored) ? stored : 'c-1';
    this.lines = parseStoredCart(storage.getItem(CART_KEY));
  }

  get customerId(): string {
    return this.customer;
  }

  get cart(): readonly CartLine[] {
    return this.lines;
  }

  setCustomer(id: string): void {
    if (!CUSTOMER_IDS.includes(id) || id === this.customer) return;
    this.customer = id;
    this.storage.setItem(CUSTOMER_KEY, id);
    this.notify();
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
