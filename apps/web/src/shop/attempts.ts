import { HttpError } from '../api/http';

/**
 * What one press of "Place order" got back, told honestly. Every press sends the SAME idempotency key, so the
 * server, not the button, guarantees one order: a second press while the first is in flight is refused (409;
 * the client's retry policy waits as `Retry-After` asks and tries again, so it usually ends as the replay), a
 * press after it finished gets the first answer replayed (`Idempotent-Replayed: true`).
 */
export type AttemptOutcome =
  | { kind: 'created'; orderId: string; status: number }
  | { kind: 'replayed'; orderId: string; status: number }
  | { kind: 'in-flight'; status: 409 }
  | { kind: 'rejected'; status: number; code: string; message: string; newKeyNeeded: boolean; retryAfterSeconds?: number };

export function outcomeOfAnswer(status: number, replayedHeader: string | null, orderId: string): AttemptOutcome {
  return replayedHeader?.toLowerCase() === 'true' ? { kind: 'replayed', orderId, status } : { kind: 'created', orderId, status };
}

export function outcomeOfError(error: HttpError): AttemptOutcome {
  if (error.status === 409) return { kind: 'in-flight', status: 409 };
  return {
    kind: 'rejected',
    status: error.status,
    code: error.code,
    message: error.message,
    // 400: the key is missing, unknown or expired; 422: it belongs to another order. Either way this key is done.
    newKeyNeeded: error.status === 400 || error.status === 422,
    retryAfterSeconds: error.retryAfterSeconds,
  };
}

export function describeOutcome(outcome: AttemptOutcome): string {
  switch (outcome.kind) {
    case 'created':
      return `${outcome.status} Created: order ${outcome.orderId} was placed.`;
    case 'replayed':
      return `${outcome.status} Replayed: the server sent the first answer again (order ${outcome.orderId}); no second order was made.`;
    case 'in-flight':
      return '409 Conflict: the first request with this key is still being processed; this one was refused, no second order.';
    case 'rejected': {
      const retry = outcome.retryAfterSeconds === undefined ? '' : ` Retry after ${outcome.retryAfterSeconds} s (same key, safe).`;
      const label = outcome.status === 0 ? 'No answer' : String(outcome.status);
      const hint =
        outcome.status === 400
          ? ' This key is missing, unknown or expired: get a new key.'
          : outcome.status === 422
            ? ' This key was already used for a different order: get a new key.'
            : '';
      return `${label} ${outcome.code}: ${outcome.message}.${hint}${retry}`;
    }
  }
}
