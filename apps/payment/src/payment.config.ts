import { EnvReader, loadConfigOrExit } from '@shop/common';

export interface PaymentConfig {
  port: number;
}

export function readPaymentConfig(env: EnvReader): PaymentConfig {
  return {
    port: env.int('PORT', { default: 3003, min: 1, max: 65535 }),
  };
}

export const loadPaymentConfig = (): PaymentConfig => loadConfigOrExit('payment', readPaymentConfig);
