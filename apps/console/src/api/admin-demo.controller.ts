import { Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { ApiError, createLogger } from '@shop/common';
import { RegistryClient } from '@shop/registry-client';
import { resetDemo } from '../application/demo-reset';
import type { ProofFor } from '../application/service-calls';
import { PROOF_FOR } from '../console.tokens';
import { Admin, AdminGuard } from './admin.guard';
import type { AdminActor } from './admin.guard';

/**
 * `POST /gateway/admin/demo/reset` at the gateway, forwarded here: the demo's stock and balances back to their
 * start, orders kept; 409 `sagas_in_flight` while a saga is moving (docs/consistency.md, "Demo reset"). The
 * console's button and `npm run load -- --reset` call it.
 */
@Controller('console/admin/demo')
@UseGuards(AdminGuard)
export class AdminDemoController {
  private readonly logger = createLogger('admin');

  constructor(
    @Inject(RegistryClient) private readonly registry: RegistryClient,
    @Inject(PROOF_FOR) private readonly proofFor: ProofFor,
  ) {}

  @Post('reset')
  @HttpCode(200)
  async reset(@Admin() who: AdminActor) {
    const outcome = await resetDemo(this.registry, this.proofFor, who.principal);
    this.logger.event(outcome.status === 200 ? 'log' : 'warn', 'admin action: demo reset', { status: outcome.status, steps: outcome.steps, actor: who.actor, via: who.via });
    if (outcome.status !== 200) {
      const last = outcome.steps[outcome.steps.length - 1]!;
      const why = (last.answer as { error?: { message?: unknown } } | undefined)?.error?.message ?? last.answer;
      throw new ApiError(outcome.status, outcome.status === 409 ? 'sagas_in_flight' : 'service_unavailable', `demo reset stopped at ${last.service}: ${String(why)}`);
    }
    return { ok: true, steps: outcome.steps.map((s) => ({ service: s.service, done: (s.answer as { done?: unknown }).done })) };
  }
}
