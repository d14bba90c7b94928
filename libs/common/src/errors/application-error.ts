/**
 * What application and domain code throw when a request cannot be served: the kind of failure as a class, a
 * stable machine-readable `code` (the contract's `error.code`) and a message for people. These say nothing about
 * HTTP: the API edge maps each kind to its status in one table (libs/common/src/http/error-status.table.ts).
 * An app names its own errors by extending a kind (`class UnknownSku extends Invalid`), as eShop's domain
 * exceptions do.
 */
export abstract class ApplicationError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** When the same request may succeed again: sent as Retry-After. */
    readonly retryAfterSec?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The request is malformed or names something that does not exist (an unknown sku, a missing key). */
export class Invalid extends ApplicationError {}

/** The caller is not signed in, or its credentials are wrong. */
export class Unauthenticated extends ApplicationError {}

/** The caller is known but may not do this. */
export class Forbidden extends ApplicationError {}

/** The thing asked for does not exist, or the caller may not know that it does. */
export class NotFound extends ApplicationError {}

/** The request collides with the current state (a request in flight, an illegal status change). */
export class Conflict extends ApplicationError {}

/** The request contradicts an earlier one it claims to repeat (one idempotency key, another body). */
export class Mismatch extends ApplicationError {}

/** The caller tried too often; it may try again after `retryAfterSec`. */
export class Throttled extends ApplicationError {
  constructor(code: string, message: string, retryAfterSec: number) {
    super(code, message, retryAfterSec);
  }
}

/** The service cannot serve this now (a dependency is down, it is not ready or at capacity): retry. */
export class Unavailable extends ApplicationError {
  constructor(code: string, message: string, retryAfterSec = 1) {
    super(code, message, retryAfterSec);
  }
}
