import { loadSagaServiceConfig, SagaServiceConfig } from '@shop/service-defaults';

/** Inventory reads only the variables every saga service reads. */
export type InventoryConfig = SagaServiceConfig;

export const loadInventoryConfig = (): InventoryConfig =>
  loadSagaServiceConfig({ service: 'inventory', port: 3002, databaseUrl: 'postgres://inventory_svc:inventory_pw@127.0.0.1:5432/inventory' });
