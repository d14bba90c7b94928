import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health/health.controller';
import { HealthRegistry } from './health/health-registry';
import { ErrorShapeFilter } from './http/error-shape.filter';
import { createValidationPipe } from './http/validation';
import { JsonLogger } from './logging/json-logger';
import { MetricsController } from './metrics/metrics.controller';

/**
 * The defaults every app shares: `/health` (terminus, with the checks apps register in HealthRegistry),
 * `/metrics` (Prometheus text), the contract's JSON error shape and DTO validation. Import once, in the root
 * module: `CommonModule.forRoot()`.
 */
@Global()
@Module({})
export class CommonModule {
  static forRoot(): DynamicModule {
    return {
      module: CommonModule,
      imports: [TerminusModule.forRoot({ logger: JsonLogger, errorLogStyle: 'json' })],
      controllers: [HealthController, MetricsController],
      providers: [
        HealthRegistry,
        { provide: APP_FILTER, useClass: ErrorShapeFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
      exports: [HealthRegistry],
    };
  }
}
