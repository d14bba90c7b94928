import { Controller, Get, Inject, Query } from '@nestjs/common';
import { Caller, requireInternal } from '@shop/auth';
import type { Principal } from '@shop/auth';
import { ApiError } from '@shop/common';
import { OutboxQueries, OutboxStats, TimelineEntry } from './outbox.queries';

/** Read-only views every service serves for the operations console: internal, for the gateway and operators. */
@Controller()
export class OutboxController {
  constructor(@Inject(OutboxQueries) private readonly queries: OutboxQueries) {}

  @Get('outbox/stats')
  stats(@Caller() caller: Principal): Promise<OutboxStats> {
    requireInternal(caller);
    return this.queries.stats();
  }

  /** This service's part of one saga: its outbox rows and inbox records of the aggregate, by time. */
  @Get('events')
  events(@Caller() caller: Principal, @Query('aggregateId') aggregateId: unknown): Promise<TimelineEntry[]> {
    requireInternal(caller);
    if (typeof aggregateId !== 'string' || aggregateId.length === 0 || aggregateId.length > 128) {
      throw new ApiError(400, 'bad_request', 'aggregateId is required (1..128 characters)');
    }
    return this.queries.timeline(aggregateId);
  }
}
