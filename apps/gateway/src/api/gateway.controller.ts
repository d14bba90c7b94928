import { Controller, Get, Headers, Inject, Param } from '@nestjs/common';
import { ApiError } from '@shop/common';
import { GatewayRuntime } from '../gateway.runtime';
import { traceLinkOf } from '../console/trace-link';
import { signedIn } from '../identity/admin-access';

const ORDER_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The gateway's own read API, for operators and the browser console (docs/gateway.md). */
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

  /** Each registry node's own GET /v1/cluster (role, term, leader), asked with a timeout. */
  @Get('cluster')
  async cluster() {
    return { nodes: await this.runtime.console.cluster() };
  }

  /** Each service's GET /outbox/stats, from one of its instances. */
  @Get('outbox')
  async outbox() {
    return { services: await this.runtime.console.outbox() };
  }

  /**
   * The saga of one order: every service's events for it, merged into one timeline. For a signed-in caller: an
   * operator sees any; a customer only their own order's (asked of the order service with their proof), and
   * another's is 404 like one that does not exist.
   */
  @Get('sagas/:orderId')
  async saga(@Param('orderId') orderId: string, @Headers('authorization') authorization: string | undefined) {
    const caller = await signedIn(this.runtime.auth, authorization, 'sign in to see a saga');
    if (!ORDER_ID.test(orderId)) throw new ApiError(400, 'bad_request', 'orderId must be 1-128 characters of [A-Za-z0-9._:-]');
    if (caller.role !== 'operator' && !(await this.runtime.console.ownsOrder(orderId, caller))) {
      throw new ApiError(404, 'not_found', `no saga for order ${orderId}`);
    }
    const saga = await this.runtime.console.saga(orderId);
    return { ...saga, ...traceLinkOf(saga.events, this.runtime.config.jaegerUrl) };
  }
}
