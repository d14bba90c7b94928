import { EnvReader, loadConfigOrExit } from '@shop/common';

export interface RegistryConfig {
  port: number;
}

export function readRegistryConfig(env: EnvReader): RegistryConfig {
  return {
    port: env.int('PORT', { default: 7001, min: 1, max: 65535 }),
  };
}

export const loadRegistryConfig = (): RegistryConfig => loadConfigOrExit('registry', readRegistryConfig);
