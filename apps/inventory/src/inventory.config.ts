import { loadSagaServiceConfig, SagaServiceConfig } from '@shop/service-defaults';

/** Inventory reads only the variables every saga service reads. */
export type InventoryConfig = SagaServiceConfig;

export const loadInventoryConfig = (): InventoryConfig =>
  loadSagaServiceConfig({ service: 'inventory', port: 3002 });
