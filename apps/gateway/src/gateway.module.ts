import { Module, Type } from '@nestjs/common';
import { CommonModule } from '@shop/common';
import { GatewayController } from './api/gateway.controller';
import type { GatewayConfig } from './gateway.config';
import { GatewayLifecycle } from './gateway.lifecycle';
import { gatewayProviders } from './gateway.providers';
import { GatewayStatusView } from './observability/gateway-status';
import { GatewayServer } from './proxy/gateway-server';

/** The gateway app: the proxy on the raw server (GatewayServer), its own status API, health and metrics. */
export function gatewayAppModule(config: GatewayConfig): Type<unknown> {
  @Module({
    imports: [CommonModule.forRoot()],
    controllers: [GatewayController],
    providers: [...gatewayProviders(config), GatewayStatusView, GatewayServer, GatewayLifecycle],
  })
  class GatewayAppModule {}
  return GatewayAppModule;
}
