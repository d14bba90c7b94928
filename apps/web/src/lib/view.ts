import { h } from './dom';
import type { ShopStore } from './store';

/** A page or panel: its element and what to stop (pollers, subscriptions) when it leaves the screen. */
export interface View {
  element: HTMLElement;
  dispose(): void;
}

export interface AppContext {
  store: ShopStore;
  /** Asks the header to fetch the balance again (after an order finished). */
  refreshBalance(): void;
}

/** A message slot that announces changes to screen readers; errors use role=alert. */
export function messageSlot(testId: string): { element: HTMLElement; error(text: string): void; info(text: string): void; clear(): void } {
  const element = h('div', { 'data-testid': testId, 'aria-live': 'polite' });
  return {
    element,
    error(text) {
      element.replaceChildren(h('p', { class: 'notice notice-error', role: 'alert' }, text));
    },
    info(text) {
      element.replaceChildren(h('p', { class: 'notice notice-info' }, text));
    },
    clear() {
      element.replaceChildren();
    },
  };
}

export function statusBadge(status: string, testId?: string): HTMLElement {
  return h('span', { class: `badge badge-${status.toLowerCase().replace(/[^a-z_]/g, '')}`, 'data-testid': testId }, status);
}
