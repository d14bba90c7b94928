import { Controller, Get, Inject, Param } from '@nestjs/common';
import { Caller } from '@shop/auth';
import type { Principal } from '@shop/auth';
import { ApiError } from '@shop/common';
import { ConsoleService } from '../application/console.service';
import { traceLinkOf } from '../application/trace-link';
import type { ConsoleConfig } from '../console.config';
import { CONSOLE_CONFIG } from '../console.tokens';
import { askEveryNode } from '../infrastructure/registry-nodes';

const ORDER_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const CLUSTER_TIMEOUT_MS = 2000;

/**
 * The console's reads (docs/ui.md), reached through the gateway as `/api/console/...`: the registry cluster and
 * the outboxes for anyone (the gateway lets them through without sign-in, as the console's status panels poll
 * them), a saga's timeline for a signed-in caller.
 */
@Controller('console')
export class ConsoleController {
  constructor(
    @Inject(ConsoleService) private readonly console: ConsoleService,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  /** Each registry node's own GET /v1/cluster (role, term, leader), asked with a timeout. */
  @Get('cluster')
  async cluster() {
    return { nodes: await askEveryNode(this.config.registryUrls, this.config.registryToken, CLUSTER_TIMEOUT_MS) };
  }

  /** Each saga service's GET /outbox/stats, from one of its instances. */
  @Get('outbox')
  async outbox() {
    return { services: await this.console.outbox() };
  }

  /**
   * The saga of one order: every service's events for it, merged into one timeline. An operator sees any; a
   * customer only their own order's (asked of the order service as them), and another's is 404 like one that
   * does not exist.
   */
  @Get('sagas/:orderId')
  async saga(@Param('orderId') orderId: string, @Caller() caller: Principal) {
    if (caller.role !== 'operator' && caller.role !== 'customer') throw new ApiError(401, 'unauthorized', 'sign in to see a saga');
    if (!ORDER_ID.test(orderId)) throw new ApiError(400, 'bad_request', 'orderId must be 1-128 characters of [A-Za-z0-9._:-]');
    if (caller.role !== 'operator' && !(await this.console.ownsOrder(orderId, caller))) {
      throw new ApiError(404, 'not_found', `no saga for order ${orderId}`);
    }
    const saga = await this.console.saga(orderId);
    return { ...saga, ...traceLinkOf(saga.events, this.config.jaegerUrl) };
  }
}
