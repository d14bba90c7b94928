import { Controller, Get, Inject } from '@nestjs/common';
import { GatewayRuntime } from '../gateway.runtime';

/**
 * The gateway's own read API, for operators and the browser console (docs/gateway.md); both answer from memory.
 * The console's other reads and the admin API are the console service's (apps/console).
 */
@Controller('gateway')
export class GatewayController {
  constructor(@Inject(GatewayRuntime) private readonly runtime: GatewayRuntime) {}

  /** Routes, instances seen per service, breaker states, rate limit policies with live counts, Redis state. */
  @Get('status')
  status() {
    return this.runtime.status();
  }

  /** Per policy: admitted/rejected per second over the last 60 s; breaker state changes with times. */
  @Get('series')
  series() {
    return this.runtime.series.snapshot();
  }
}
