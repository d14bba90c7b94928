import { Injectable, OnModuleInit } from '@nestjs/common';
import { HealthRegistry } from '@shop/common';
import { PriceListRepository } from './price-list.repository';

/**
 * /health detail `price-list`: how many products order can price, and when the list last changed. Informative
 * only (it fails only with the database): tokens and order reads need no prices, and an empty list while the
 * catalog's events are on their way is answered per request (503 with Retry-After), not by taking order down.
 */
@Injectable()
export class PriceListHealth implements OnModuleInit {
  constructor(
    private readonly health: HealthRegistry,
    private readonly prices: PriceListRepository,
  ) {}

  onModuleInit(): void {
    this.health.register('price-list', () => this.prices.summary());
  }
}
