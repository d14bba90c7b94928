import { OrderStatus } from './order';

/** What reaches the order's saga: the other services' answers, and the saga's own timeout. */
export type SagaSignal =
  | { kind: 'StockRejected'; reason: string }
  | { kind: 'PaymentFailed'; reason: string }
  | { kind: 'PaymentSucceeded' }
  | { kind: 'Timeout' };

export type SagaDecision =
  | { action: 'confirm' }
  | { action: 'cancel'; reason: string }
  /**
   * Nothing to change. `late` marks a signal that arrived after the saga ended (e.g. a PaymentSucceeded for an
   * order the timeout already cancelled): no status change; payment refunds that charge when it handles the
   * OrderCancelled event it was sent (or refuses to charge, if the cancellation came first).
   */
  | { action: 'none'; late: boolean };

/** The saga's rule table: the reaction of an order in `status` to `signal`. Pure, so fast-check can drive it. */
export function decide(status: OrderStatus, signal: SagaSignal): SagaDecision {
  if (status !== 'PENDING') return { action: 'none', late: true };
  switch (signal.kind) {
    case 'PaymentSucceeded':
      return { action: 'confirm' };
    case 'StockRejected':
    case 'PaymentFailed':
      return { action: 'cancel', reason: signal.reason };
    case 'Timeout':
      return { action: 'cancel', reason: 'timeout' };
  }
}
