import { BeforeApplicationShutdown, DynamicModule, Inject, Type, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { CommonModule, HealthRegistry } from '@shop/common';
import { GatewayController } from './api/gateway.controller';
import { GatewayRuntime } from './gateway.runtime';

/** Health checks and the runtime's place in Nest's lifecycle (deregister first, then close pools). */
@Injectable()
class GatewayLifecycle implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(GatewayRuntime) private readonly runtime: GatewayRuntime,
    @Inject(HealthRegistry) private readonly health: HealthRegistry,
  ) {}

  onModuleInit(): void {
    this.health.register('discovery', async () => {
      const { healthy, detail } = this.runtime.discovery.health();
      // Degraded, not down: the gateway keeps routing with its last known view (see registry-client).
      return { ...detail, state: healthy ? 'up' : 'degraded' };
    });
    this.health.register('redis', async () => {
      // Down Redis is not fatal: each rate limit policy applies its onRedisError.
      const { state, lastError } = this.runtime.limits.redisStatus();
      return { state: state === 'ready' ? 'up' : 'degraded', connection: state, lastError };
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runtime.deregister().catch((error: unknown) =>
      this.runtime.logger.event('warn', 'deregistration failed; the registration TTL will expire instead', { error: String(error) }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runtime.close();
  }
}

@Module({})
export class GatewayModule {
  static forRoot(runtime: GatewayRuntime): DynamicModule {
    return {
      module: GatewayModule,
      imports: [CommonModule.forRoot()],
      controllers: [GatewayController],
      providers: [{ provide: GatewayRuntime, useValue: runtime }, GatewayLifecycle],
    };
  }
}

/** bootstrapApp takes a module class: this one carries the runtime built before Nest. */
export function gatewayAppModule(runtime: GatewayRuntime): Type<unknown> {
  @Module({ imports: [GatewayModule.forRoot(runtime)] })
  class GatewayAppModule {}
  return GatewayAppModule;
}
