import 'reflect-metadata';
import { startSagaService } from '@shop/service-defaults';
import { loadPaymentConfig } from './payment.config';
import { PaymentModule } from './payment.module';

const config = loadPaymentConfig();
void startSagaService({ service: 'payment', config, module: PaymentModule.forRoot(config) });
