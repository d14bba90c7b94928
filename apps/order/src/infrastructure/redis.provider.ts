import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { HealthRegistry } from '@shop/common';
import Redis from 'ioredis';
import { REDIS } from '../order.tokens';
import type { OrderConfig } from '../order.config';

export function createRedis(config: OrderConfig): Redis {
  return new Redis(config.redisUrl, {
    connectTimeout: 2000,
    commandTimeout: 2000,
    // Fail a command fast while Redis is down instead of queueing it without bound.
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: false,
  });
}

/** Registers the Redis health check and closes the connection on shutdown. */
@Injectable()
export class RedisLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly health: HealthRegistry,
  ) {}

  onModuleInit(): void {
    this.health.register('redis', async () => {
      const pong = await this.redis.ping();
      if (pong !== 'PONG') throw new Error(`redis answered ${pong}`);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit();
  }
}
