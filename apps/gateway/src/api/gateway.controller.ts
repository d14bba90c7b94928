import { Controller, Get, Inject } from '@nestjs/common';
import { GatewayStatusView } from '../observability/gateway-status';
import { Series } from '../observability/series';

/**
 * The gateway's own read API, for operators and the browser console (docs/gateway.md); both answer from memory.
 * The console's other reads and the admin API are the console service's (apps/console).
 */
@Controller('gateway')
export class GatewayController {
  constructor(
    @Inject(GatewayStatusView) private readonly view: GatewayStatusView,
    @Inject(Series) private readonly history: Series,
  ) {}

  /** Routes, instances seen per service, breaker states, rate limit policies with live counts, Redis state. */
  @Get('status')
  status() {
    return this.view.status();
  }

  /** Per policy: admitted/rejected per second over the last 60 s; breaker state changes with times. */
  @Get('series')
  series() {
    return this.history.snapshot();
  }
}
