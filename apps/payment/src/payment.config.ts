import { loadSagaServiceConfig, SagaServiceConfig } from '@shop/service-defaults';

/** Payment reads only the variables every saga service reads. */
export type PaymentConfig = SagaServiceConfig;

export const loadPaymentConfig = (): PaymentConfig =>
  loadSagaServiceConfig({ service: 'payment', port: 3003 });
