import { EnvReader, loadConfigOrExit } from '@shop/common';

export interface InventoryConfig {
  port: number;
}

export function readInventoryConfig(env: EnvReader): InventoryConfig {
  return {
    port: env.int('PORT', { default: 3002, min: 1, max: 65535 }),
  };
}

export const loadInventoryConfig = (): InventoryConfig => loadConfigOrExit('inventory', readInventoryConfig);
