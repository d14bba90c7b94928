import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { HealthProbe, HealthRegistry } from './health-registry';

/** Keys terminus reserves in an indicator's details; a probe's own detail under these names is renamed. */
const RESERVED_DETAIL_KEYS = new Set(['status', 'responseTime', 'cachedResponse']);

/** A probe's details must never be able to break `/health` itself. */
function withSafeDetails(probe: HealthProbe): HealthProbe {
  return async (opts) => {
    const details = await probe(opts);
    if (!details) return details;
    return Object.fromEntries(Object.entries(details).map(([k, v]) => [RESERVED_DETAIL_KEYS.has(k) ? `detail_${k}` : k, v]));
  };
}

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly registry: HealthRegistry,
  ) {}

  /**
   * 200 when every registered dependency answers within its timeout, 503 otherwise, both in terminus' shape
   * (`{status, info, error, details}`), which load balancers and orchestrators read as is.
   */
  @Get()
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    try {
      return await this.health.check(
        this.registry
          .list()
          .map(({ name, probe, timeoutMs }) => () => this.indicators.check(name).attempt(withSafeDetails(probe)).withTimeout(timeoutMs)),
      );
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      reply.status(503);
      return error.getResponse();
    }
  }
}
