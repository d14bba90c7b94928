import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { createBreaker, ShopBreaker } from '@shop/circuit-breaker';
import { createLogger, currentRequestId, metricsRegistry, readBoundedText, REQUEST_ID_HEADER } from '@shop/common';
import { RegistryClient } from '@shop/registry-client';
import { request } from 'undici';
import { ORDER_CONFIG } from '../order.tokens';
import type { OrderConfig } from '../order.config';

export interface QuotedPrice {
  sku: string;
  name: string;
  priceCents: number;
}

export interface PriceQuote {
  prices: QuotedPrice[];
  unknownSkus: string[];
}

/** Inventory answered, but refused the question (4xx): our request is at fault, not inventory's health. */
export class PricingRejectedError extends Error {
  override name = 'PricingRejectedError';
}

/** Inventory cannot answer now: no instance, timeout, 5xx, or the breaker is open. `retryAfterMs` when known. */
export class InventoryUnavailableError extends Error {
  override name = 'InventoryUnavailableError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

const MAX_RESPONSE_BYTES = 256 * 1024;

/**
 * Prices from inventory over HTTP (the saga's one synchronous call), found through the registry's cached
 * instances (round robin), with a timeout, behind a circuit breaker (服务熔断): when inventory is down, placing
 * an order fails fast instead of piling up requests that wait for timeouts.
 */
@Injectable()
export class InventoryPricingClient implements OnApplicationShutdown {
  private readonly logger = createLogger('InventoryPricingClient');
  private readonly breaker: ShopBreaker<[string[]], PriceQuote>;
  private next = 0;

  constructor(
    private readonly registry: RegistryClient,
    @Inject(ORDER_CONFIG) private readonly config: OrderConfig,
  ) {
    this.breaker = createBreaker('inventory-pricing', (skus: string[]) => this.fetchPrices(skus), {
      timeout: config.inventoryTimeoutMs,
      // Open after at least 5 calls in 10 s of which half failed (opossum's default 0 opens on the first one).
      volumeThreshold: 5,
      errorThresholdPercentage: 50,
      rollingCountTimeout: 10_000,
      resetTimeout: 5000,
      slowCallMs: Math.min(1000, config.inventoryTimeoutMs),
      slowCallRateThreshold: 50,
      slowCallWindowMs: 5000,
      slowCallMinCalls: 10,
    }, {
      registry: metricsRegistry,
      logger: createLogger('circuit-breaker'),
      errorFilter: (error) => error instanceof PricingRejectedError,
    });
  }

  breakerState(): string {
    return this.breaker.state();
  }

  async quote(skus: string[]): Promise<PriceQuote> {
    try {
      return await this.breaker.fire(skus);
    } catch (error) {
      if (error instanceof PricingRejectedError) throw error;
      if ((error as { code?: string }).code === 'EOPENBREAKER') {
        throw new InventoryUnavailableError('inventory is unavailable (circuit open)', Math.max(1000, this.breaker.retryAfterMs()));
      }
      this.logger.event('warn', 'pricing call to inventory failed', { error: error instanceof Error ? error.message : String(error) });
      throw new InventoryUnavailableError(`inventory did not answer: ${error instanceof Error ? error.message : String(error)}`, 1000);
    }
  }

  onApplicationShutdown(): void {
    this.breaker.shutdown();
  }

  private async fetchPrices(skus: string[]): Promise<PriceQuote> {
    const instances = this.registry.instances('inventory');
    if (instances.length === 0) throw new Error('no inventory instance is registered');
    const target = instances[this.next++ % instances.length]!;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const requestId = currentRequestId();
    if (requestId) headers[REQUEST_ID_HEADER] = requestId;
    const res = await request(`http://${target.address}:${target.port}/products/prices`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ skus }),
      headersTimeout: this.config.inventoryTimeoutMs,
      bodyTimeout: this.config.inventoryTimeoutMs,
      signal: AbortSignal.timeout(this.config.inventoryTimeoutMs),
    });
    const text = await readBoundedText(res.body, MAX_RESPONSE_BYTES, "inventory's answer");
    if (res.statusCode >= 400 && res.statusCode < 500) throw new PricingRejectedError(`inventory answered ${res.statusCode}: ${text.slice(0, 200)}`);
    if (res.statusCode !== 200) throw new Error(`inventory answered ${res.statusCode}`);
    return parseQuote(JSON.parse(text) as unknown);
  }
}


function parseQuote(raw: unknown): PriceQuote {
  const value = raw as { prices?: unknown; unknownSkus?: unknown };
  if (!Array.isArray(value?.prices) || !Array.isArray(value.unknownSkus)) throw new Error('inventory sent a malformed price list');
  const prices = value.prices.map((p: unknown) => {
    const price = p as QuotedPrice;
    if (typeof price?.sku !== 'string' || typeof price.name !== 'string' || !Number.isSafeInteger(price.priceCents) || price.priceCents < 0) {
      throw new Error('inventory sent a malformed price');
    }
    return { sku: price.sku, name: price.name, priceCents: price.priceCents };
  });
  return { prices, unknownSkus: value.unknownSkus.map(String) };
}
