import { Conflict, Invalid, Mismatch, NotFound, Unavailable } from '@shop/common';

/**
 * What placing and reading orders refuse, in the application's words. Their status comes from the kind each
 * extends (libs/common's one table at the API edge); the codes are the contract's (docs/consistency.md).
 */

export class IdempotencyKeyMissing extends Invalid {
  constructor() {
    super('idempotency_key_missing', 'the Idempotency-Key header is required (POST /orders/tokens issues one)');
  }
}

export class IdempotencyKeyUnknown extends Invalid {
  constructor() {
    super('idempotency_key_unknown', 'the Idempotency-Key is unknown or expired');
  }
}

export class IdempotencyKeyOfAnotherCustomer extends Invalid {
  constructor() {
    super('idempotency_key_wrong_customer', 'the Idempotency-Key was issued for another customer');
  }
}

/** The first request with this key still runs: the client retries shortly and gets its answer. */
export class IdempotencyKeyInFlight extends Conflict {
  constructor() {
    super('idempotency_key_in_flight', 'a request with this Idempotency-Key is still being processed', 1);
  }
}

export class IdempotencyKeyReused extends Mismatch {
  constructor() {
    super('idempotency_key_reused', 'this Idempotency-Key was used with another request body');
  }
}

/** Without the token store no request can be told apart from its retry. */
export class IdempotencyStoreUnavailable extends Unavailable {
  constructor() {
    super('idempotency_store_unavailable', 'orders cannot be accepted right now; retry (with the same key, if you have one)');
  }
}

/** Order's own read model of the catalog is not filled yet: nothing is wrong with the skus. */
export class PriceListLoading extends Unavailable {
  constructor() {
    super('price_list_loading', 'the price list is still being loaded from the catalog; retry with the same key');
  }
}

export class UnknownSku extends Invalid {
  constructor(skus: readonly string[]) {
    super('unknown_sku', `unknown sku: ${skus.join(', ')}`);
  }
}

export class CustomerNotFound extends NotFound {
  constructor(customerId: string) {
    super('customer_not_found', `unknown customer ${customerId}`);
  }
}

/** Also another customer's order: the same answer, so that order ids cannot be probed. */
export class OrderNotFound extends NotFound {
  constructor(orderId: string) {
    super('order_not_found', `no order ${orderId}`);
  }
}
