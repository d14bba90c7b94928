import 'reflect-metadata';
import { startSagaService } from '@shop/service-defaults';
import { loadInventoryConfig } from './inventory.config';
import { InventoryModule } from './inventory.module';

const config = loadInventoryConfig();
void startSagaService({ service: 'inventory', config, module: InventoryModule.forRoot(config) });
