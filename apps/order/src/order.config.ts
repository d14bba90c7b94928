import { EnvReader, loadConfigOrExit } from '@shop/common';

export interface OrderConfig {
  port: number;
}

export function readOrderConfig(env: EnvReader): OrderConfig {
  return {
    port: env.int('PORT', { default: 3001, min: 1, max: 65535 }),
  };
}

export const loadOrderConfig = (): OrderConfig => loadConfigOrExit('order', readOrderConfig);
