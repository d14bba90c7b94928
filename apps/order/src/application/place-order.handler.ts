import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { createLogger, metricsRegistry } from '@shop/common';
import { sagaEvent } from '@shop/contracts';
import { IdempotencyTokenStore, IssuedToken, requestFingerprint, StoredResponse } from '@shop/idempotency';
import { UnitOfWork } from '@shop/outbox';
import { Counter } from 'prom-client';
import { Order } from '../domain/order';
import { KnownCustomers } from './known-customers.port';
import {
  CustomerNotFound,
  IdempotencyKeyInFlight,
  IdempotencyKeyMissing,
  IdempotencyKeyOfAnotherCustomer,
  IdempotencyKeyReused,
  IdempotencyKeyUnknown,
  IdempotencyStoreUnavailable,
  PriceListLoading,
  UnknownSku,
} from './order.errors';
import { DuplicateIdempotencyKeyError, OrderStore } from './order-store.port';
import { toView } from './order.view';
import { PriceList } from './price-list.port';

export interface PlaceOrderCommand {
  customerId: string;
  items: { sku: string; quantity: number }[];
}

export interface PlaceOrderResult extends StoredResponse {
  /** True when this is the stored answer of an earlier request with the same key. */
  replayed: boolean;
}

const submissions = new Counter({
  name: 'order_submissions_total',
  help: 'POST /orders outcomes: created, replayed, in_flight, mismatch, rejected, unavailable, duplicate_key_absorbed',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

/**
 * Placing an order, idempotently (幂等性):
 * 1. the Redis token moves new -> processing (409 while another request holds it, 422 for another body, the
 *    stored answer for a retry after completion);
 * 2. the customer is checked, then in ONE transaction the items are priced from order's own price list (a read
 *    model fed by inventory's ProductPriced events: no call to another service, so placing an order works while
 *    inventory is down), and the order (PENDING) and its OrderCreated outbox row are written; a refusal here
 *    wrote nothing, so the token goes back to new and the client may retry with the same key; the unique index
 *    on the key turns a duplicate (Redis lost the token's state) into the first order's answer;
 * 3. the token moves to done with the answer. Whether the stock is there is the saga's question (inventory
 *    answers StockReserved or StockRejected).
 */
@Injectable()
export class PlaceOrderHandler {
  private readonly logger = createLogger('PlaceOrderHandler');

  constructor(
    private readonly tokens: IdempotencyTokenStore,
    @Inject(OrderStore) private readonly orders: OrderStore,
    @Inject(PriceList) private readonly prices: PriceList,
    @Inject(KnownCustomers) private readonly customers: KnownCustomers,
    @Inject(UnitOfWork) private readonly unitOfWork: UnitOfWork,
  ) {}

  async issueToken(customerId: string): Promise<IssuedToken> {
    await this.requireCustomer(customerId);
    return this.tokens.issue(customerId).catch((error: unknown) => {
      throw this.tokenStoreUnavailable(error);
    });
  }

  async place(key: string | undefined, command: PlaceOrderCommand): Promise<PlaceOrderResult> {
    if (!key) throw new IdempotencyKeyMissing();
    const fingerprint = requestFingerprint(command);
    const begun = await this.tokens.begin(key, command.customerId, fingerprint).catch((error: unknown) => {
      // Without the token store no request can be told apart from its retry: refuse rather than risk a double order.
      throw this.tokenStoreUnavailable(error);
    });
    switch (begun.kind) {
      case 'unknown':
        throw new IdempotencyKeyUnknown();
      case 'wrong_customer':
        throw new IdempotencyKeyOfAnotherCustomer();
      case 'in_flight':
        submissions.inc({ outcome: 'in_flight' });
        throw new IdempotencyKeyInFlight();
      case 'mismatch':
        submissions.inc({ outcome: 'mismatch' });
        throw new IdempotencyKeyReused();
      case 'replay':
        submissions.inc({ outcome: 'replayed' });
        return { ...begun.response, replayed: true };
      case 'started':
        break;
    }

    // The lease renewed while the request runs: only a request whose instance died loses its token.
    return this.tokens.holdWhile(key, fingerprint, () => this.placeStarted(key, fingerprint, command));
  }

  /** The order written and answered, once this request holds the token. */
  private async placeStarted(key: string, fingerprint: string, command: PlaceOrderCommand): Promise<PlaceOrderResult> {
    let written = false;
    try {
      await this.requireCustomer(command.customerId);
      let response: StoredResponse;
      let absorbed = false;
      try {
        // Priced from a read before the write: under READ COMMITTED a read inside the write's transaction took no
        // lock and saw no steadier price. The order and its OrderCreated row are then one statement (one round trip).
        const order = await this.buildOrder(key, fingerprint, command);
        const s = order.snapshot();
        await this.orders.insertWithEvents(this.unitOfWork, order, [
          sagaEvent('OrderCreated', s.id, { customerId: s.customerId, items: s.items, totalCents: s.totalCents }),
        ]);
        written = true;
        response = { status: 201, body: toView(order) };
      } catch (error) {
        if (!(error instanceof DuplicateIdempotencyKeyError)) throw error;
        written = true;
        absorbed = true;
        response = await this.answerOfExistingOrder(key, fingerprint);
      }
      return await this.finish(key, fingerprint, response, absorbed);
    } catch (error) {
      if (!written) await this.releaseAfterFailure(key, fingerprint, error);
      throw error;
    }
  }

  /** Prices the lines from the price list. */
  private async buildOrder(key: string, fingerprint: string, command: PlaceOrderCommand): Promise<Order> {
    const skus = command.items.map((l) => l.sku);
    const priceOf = await this.prices.pricesOf(skus);
    const unknown = skus.filter((sku) => !priceOf.has(sku));
    if (unknown.length > 0) {
      if (priceOf.size === 0 && (await this.prices.isEmpty())) {
        // A fresh order database whose consumer has not yet read inventory's catalog: order's own read model is
        // not ready, which says nothing about the skus; the client retries with the same key.
        submissions.inc({ outcome: 'unavailable' });
        throw new PriceListLoading();
      }
      submissions.inc({ outcome: 'rejected' });
      throw new UnknownSku(unknown);
    }
    return Order.place({
      id: randomUUID(),
      customerId: command.customerId,
      items: command.items.map((l) => ({ sku: l.sku, quantity: l.quantity, priceCents: priceOf.get(l.sku)! })),
      idempotencyKey: key,
      requestHash: fingerprint,
      now: new Date(),
    });
  }

  /** Redis forgot the token (or a takeover raced): the database holds the one order of this key. */
  private async answerOfExistingOrder(key: string, fingerprint: string): Promise<StoredResponse> {
    const existing = await this.orders.findByIdempotencyKey(key);
    if (!existing) throw new Error(`unique violation on idempotency key ${key} but no order found`);
    if (existing.snapshot().requestHash !== fingerprint) {
      submissions.inc({ outcome: 'mismatch' });
      throw new IdempotencyKeyReused();
    }
    submissions.inc({ outcome: 'duplicate_key_absorbed' });
    this.logger.event('warn', 'duplicate submission absorbed by the unique index (the Redis token had lost its state)', { orderId: existing.id });
    const view = toView(existing);
    // The first answer was the order as placed: PENDING with its first history entry.
    return { status: 201, body: { ...view, status: 'PENDING', reason: null, history: view.history.slice(0, 1) } };
  }

  /** `absorbed`: the answer is an earlier request's order, so it goes out as a replay. */
  private async finish(key: string, fingerprint: string, response: StoredResponse, absorbed: boolean): Promise<PlaceOrderResult> {
    const completed = await this.tokens.complete(key, fingerprint, response).catch((error: unknown) => {
      // The order is written and its answer is true: Redis going away now must not turn it into a 500. A retry
      // with this key gets 409 until the token's lease ends, then the unique index hands back this order.
      this.logger.event('error', 'idempotency token store unavailable after the order was written', { error: error instanceof Error ? error.message : String(error) });
      return { kind: 'unknown' } as const;
    });
    switch (completed.kind) {
      case 'completed':
        if (!absorbed) submissions.inc({ outcome: 'created' });
        return { ...response, replayed: absorbed };
      case 'already_done':
        return { ...completed.response, replayed: true };
      case 'unknown':
      case 'not_owner':
        // The order is written (the database is the truth); the token's state was lost or taken over.
        this.logger.event('warn', 'idempotency token could not be completed; the unique index guards retries', { outcome: completed.kind });
        if (!absorbed) submissions.inc({ outcome: 'created' });
        return { ...response, replayed: absorbed };
    }
  }

  private async releaseAfterFailure(key: string, fingerprint: string, cause: unknown): Promise<void> {
    try {
      await this.tokens.release(key, fingerprint);
    } catch (releaseError) {
      // The original error is what the client must see; the token frees itself when its lease runs out.
      this.logger.event('error', 'could not release the idempotency token after a failed request', {
        cause: cause instanceof Error ? cause.message : String(cause),
        error: releaseError instanceof Error ? releaseError.message : String(releaseError),
      });
    }
  }

  /** Order's own dependency (Redis) is down: a 503 that says so, with Retry-After, not a 500. */
  private tokenStoreUnavailable(error: unknown): IdempotencyStoreUnavailable {
    this.logger.event('error', 'idempotency token store unavailable', { error: error instanceof Error ? error.message : String(error) });
    return new IdempotencyStoreUnavailable();
  }

  private async requireCustomer(customerId: string): Promise<void> {
    if (!(await this.customers.exists(customerId))) throw new CustomerNotFound(customerId);
  }
}
