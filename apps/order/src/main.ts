import 'reflect-metadata';
import { startSagaService } from '@shop/service-defaults';
import { loadOrderConfig } from './order.config';
import { OrderModule } from './order.module';

const config = loadOrderConfig();
void startSagaService({ service: 'order', config, module: OrderModule.forRoot(config) });
