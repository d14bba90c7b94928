import { Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit, Type } from '@nestjs/common';
import { GATEWAY_PROOF, GATEWAY_PROOF_JWKS_KEY, GatewayProofModule, KeyPublisher, PROOF_KEY_LEASE_MS, ProofMinter } from '@shop/auth';
import { CommonModule, createLogger } from '@shop/common';
import { RegistryClient, RegistryClientModule } from '@shop/registry-client';
import { AdminConfigController } from './api/admin-config.controller';
import { AdminDemoController } from './api/admin-demo.controller';
import { AdminGuard } from './api/admin.guard';
import { ConsoleController } from './api/console.controller';
import { ConsoleService, SAGA_SERVICES } from './application/console.service';
import { CONSOLE_CALLER, ProofFor } from './application/service-calls';
import type { ConsoleConfig } from './console.config';
import { CONSOLE_CONFIG, PROOF_FOR } from './console.tokens';
import { OperatorRegistry } from './infrastructure/config-center';

/** Publishes the console's proof key before it takes requests; closes the operator's client and the key's renewal. */
@Injectable()
class ConsoleLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(ProofMinter) private readonly proofs: ProofMinter,
    @Inject(OperatorRegistry) private readonly operator: OperatorRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.proofs.publish(30_000);
  }

  async onApplicationShutdown(): Promise<void> {
    this.proofs.close();
    await this.operator.client.close();
  }
}

/**
 * The operations console's backend (docs/ui.md): cluster, outboxes, saga timelines, the admin API. Reached only
 * through the gateway (`/api/console/*`, and `/gateway/admin/*` which the gateway forwards here), so every
 * request carries the gateway's proof; the shop runs without it.
 */
export function consoleAppModule(config: ConsoleConfig): Type<unknown> {
  @Module({
    imports: [
      CommonModule.forRoot(),
      RegistryClientModule.forRoot({
        urls: config.registryUrls,
        token: config.registryToken,
        registration: { service: 'console', instanceId: config.instanceId, address: config.advertiseHost, port: config.port },
        watchServices: SAGA_SERVICES,
      }),
      GatewayProofModule.forRoot({ service: 'console' }),
    ],
    controllers: [ConsoleController, AdminConfigController, AdminDemoController],
    providers: [
      { provide: CONSOLE_CONFIG, useValue: config },
      { provide: OperatorRegistry, useFactory: () => new OperatorRegistry(new RegistryClient({ urls: config.registryUrls, token: config.registryOperatorToken })) },
      {
        // Its proofs are the gateway's kind (the services check no other): its own key, in the gateway's JWKS,
        // written with the operator's credential (a service's may write only its own config/console/).
        provide: ProofMinter,
        inject: [OperatorRegistry],
        useFactory: (operator: OperatorRegistry) =>
          new ProofMinter(
            new KeyPublisher({
              kv: operator.client.kv,
              configKey: GATEWAY_PROOF_JWKS_KEY,
              owner: config.instanceId,
              retainMs: 2 * GATEWAY_PROOF.lifetimeSec * 1000,
              leaseMs: PROOF_KEY_LEASE_MS,
            }),
            createLogger('console-proofs'),
          ),
      },
      {
        provide: PROOF_FOR,
        inject: [ProofMinter],
        useFactory: (minter: ProofMinter): ProofFor => (service, caller) => minter.proofFor(caller ?? CONSOLE_CALLER, service),
      },
      { provide: ConsoleService, inject: [RegistryClient, PROOF_FOR], useFactory: (registry: RegistryClient, proofFor: ProofFor) => new ConsoleService(registry, proofFor) },
      AdminGuard,
      ConsoleLifecycle,
    ],
  })
  class ConsoleAppModule {}
  return ConsoleAppModule;
}
