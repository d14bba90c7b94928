import { EnvReader, loadConfigOrExit } from '@shop/common';

export interface GatewayConfig {
  port: number;
}

export function readGatewayConfig(env: EnvReader): GatewayConfig {
  return {
    port: env.int('PORT', { default: 8080, min: 1, max: 65535 }),
  };
}

export const loadGatewayConfig = (): GatewayConfig => loadConfigOrExit('gateway', readGatewayConfig);
