import { Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit, Type } from '@nestjs/common';
import { GatewayProofModule, IDENTITY_JWKS_KEY } from '@shop/auth';
import { CommonModule, createLogger, HealthRegistry } from '@shop/common';
import { RegistryClient, RegistryClientModule } from '@shop/registry-client';
import Redis from 'ioredis';
import { AuthController } from './api/auth.controller';
import { Credentials } from './application/credentials';
import { RefreshTokens } from './application/refresh-tokens';
import { SignInGuard } from './application/sign-in-guard';
import { SignInHandler } from './application/sign-in.handler';
import { TokenIssuer } from './application/token-issuer';
import type { IdentityConfig } from './identity.config';

const REDIS = Symbol('IdentityRedis');
const logger = createLogger('identity');

/** Publishes the first signing key before the app takes requests; Redis health; closes on shutdown. */
@Injectable()
class IdentityLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(TokenIssuer) private readonly issuer: TokenIssuer,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(HealthRegistry) private readonly health: HealthRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    this.health.register('redis', async () => {
      if ((await this.redis.ping()) !== 'PONG') throw new Error('redis did not answer PONG');
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await this.issuer.rotate();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        logger.event('warn', 'signing key not published yet; retrying', { error: String(error) });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.issuer.close();
    await this.redis.quit();
  }
}

/** The identity app: sign-in, tokens, keys. It alone holds the access tokens' private key. */
export function identityAppModule(config: IdentityConfig, credentials: Credentials): Type<unknown> {
  @Module({
    imports: [
      CommonModule.forRoot(),
      RegistryClientModule.forRoot({
        urls: config.registryUrls,
        token: config.registryToken,
        registration: { service: 'identity', instanceId: config.instanceId, address: config.advertiseHost, port: config.port },
      }),
      GatewayProofModule.forRoot({ service: 'identity' }),
    ],
    controllers: [AuthController],
    providers: [
      { provide: Credentials, useValue: credentials },
      {
        provide: REDIS,
        useFactory: () => new Redis(config.redisUrl, { connectTimeout: 2000, commandTimeout: 2000, maxRetriesPerRequest: 1, enableOfflineQueue: false }),
      },
      { provide: SignInGuard, inject: [REDIS], useFactory: (redis: Redis) => new SignInGuard(redis) },
      { provide: RefreshTokens, inject: [REDIS], useFactory: (redis: Redis) => new RefreshTokens(redis) },
      {
        provide: TokenIssuer,
        inject: [RegistryClient],
        useFactory: (registry: RegistryClient) => new TokenIssuer(registry.kv, IDENTITY_JWKS_KEY, config.instanceId, createLogger('TokenIssuer')),
      },
      SignInHandler,
      IdentityLifecycle,
    ],
  })
  class IdentityAppModule {}
  return IdentityAppModule;
}
