import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { HealthRegistry } from './health-registry';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly registry: HealthRegistry,
  ) {}

  /** 200 when every registered dependency answers within its timeout, 503 otherwise (terminus' shape). */
  @Get()
  @HealthCheck()
  check() {
    return this.health.check(
      this.registry.list().map(({ name, probe, timeoutMs }) => () => this.indicators.check(name).attempt(probe).withTimeout(timeoutMs)),
    );
  }
}
