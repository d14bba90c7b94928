import { loadSagaServiceConfig, SagaServiceConfig } from '@shop/service-defaults';

/** Payment reads only the variables every saga service reads. */
export type PaymentConfig = SagaServiceConfig;

export const loadPaymentConfig = (): PaymentConfig =>
  loadSagaServiceConfig({ service: 'payment', port: 3003, databaseUrl: 'postgres://payment_svc:payment_pw@127.0.0.1:5432/payments' });
