import {
  BeforeApplicationShutdown,
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createLogger, HealthRegistry } from '@shop/common';
import { Registration, RegistryClient, RegistryClientOptions } from './registry-client';

export interface RegistryClientModuleOptions extends RegistryClientOptions {
  /** This app's instance; registered once the app listens, deregistered on shutdown. */
  registration?: Registration;
  /** Services whose instances this app looks up: their caches are filled at start-up. */
  watchServices?: readonly string[];
}

const OPTIONS = Symbol('RegistryClientModuleOptions');

/**
 * Ties the client to the app's lifecycle: registration after the HTTP server listens (so nobody is sent to a
 * port that does not answer yet), deregistration in beforeApplicationShutdown (before connections drain), and
 * a 'registry' health check.
 *
 * Health decision: while no registry node answers, the check stays UP with `state: 'degraded'` and
 * `servingLastKnownView: true`. The app keeps routing with its last known view and config; reporting DOWN would
 * make an orchestrator restart every service at once during a registry outage, which helps nobody (and a
 * restarted app would come back with an empty cache).
 */
@Injectable()
class RegistryClientLifecycle implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = createLogger('RegistryClientModule');

  constructor(
    private readonly client: RegistryClient,
    @Inject(OPTIONS) private readonly options: RegistryClientModuleOptions,
    private readonly health: HealthRegistry,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    for (const service of this.options.watchServices ?? []) this.client.watchService(service);
    this.health.register('registry', async () => {
      const { healthy, detail } = this.client.health();
      // `status` is terminus' own key (always up here); `state` carries ours.
      return { state: healthy ? 'ok' : 'degraded', ...detail };
    });
  }

  onApplicationBootstrap(): void {
    const registration = this.options.registration;
    if (!registration) return;
    const register = () =>
      this.client.register(registration).then(
        () => this.logger.event('log', 'registered', { service: registration.service, instanceId: registration.instanceId }),
        (error: unknown) =>
          this.logger.event('warn', 'registration failed; the heartbeat loop keeps trying', { service: registration.service, error: String(error) }),
      );
    const server = this.adapterHost.httpAdapter?.getHttpServer() as { listening?: boolean; once?: (event: 'listening', cb: () => void) => void } | undefined;
    if (!server?.once || server.listening) void register();
    else server.once('listening', () => void register());
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.options.registration) return;
    try {
      await this.client.deregister();
    } catch (error) {
      this.logger.event('warn', 'deregistration failed; the registration TTL will expire instead', { error: String(error) });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

/**
 * `RegistryClientModule.forRoot({ urls, token, registration })` in an app's root module provides
 * `RegistryClient` everywhere (global module). CommonModule must be imported too (it provides HealthRegistry).
 */
@Global()
@Module({})
export class RegistryClientModule {
  static forRoot(options: RegistryClientModuleOptions): DynamicModule {
    return {
      module: RegistryClientModule,
      providers: [
        { provide: OPTIONS, useValue: options },
        { provide: RegistryClient, useFactory: () => new RegistryClient(options) },
        RegistryClientLifecycle,
      ],
      exports: [RegistryClient],
    };
  }
}
