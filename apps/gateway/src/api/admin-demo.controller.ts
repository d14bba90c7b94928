import { Controller, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiError, bearerTokenMatcher } from '@shop/common';
import { resetDemo } from '../console/demo-reset';
import { authorizeAdmin } from '../identity/admin-access';
import { GatewayRuntime } from '../gateway.runtime';

/**
 * `POST /gateway/admin/demo/reset` (an operator's access token, or ADMIN_TOKEN for machines): the demo's stock and balances back to their start, orders kept;
 * 409 `sagas_in_flight` while a saga is moving (docs/consistency.md, "Demo reset"). The console's button and
 * `npm run load -- --reset` call it.
 */
@Controller('gateway/admin/demo')
export class AdminDemoController {
  private readonly isAdmin: (authorization: string | undefined) => boolean;

  constructor(@Inject(GatewayRuntime) private readonly runtime: GatewayRuntime) {
    this.isAdmin = bearerTokenMatcher(runtime.config.adminToken);
  }

  @Post('reset')
  @HttpCode(200)
  async reset(@Headers('authorization') authorization: string | undefined) {
    const who = await authorizeAdmin(this.runtime.auth, this.isAdmin, authorization);
    // The services see who asked: the operator, or the gateway itself for a machine's ADMIN_TOKEN.
    const principal = who.via === 'operator-token' ? { subject: who.actor, role: 'operator' as const } : { subject: 'gateway', role: 'gateway' as const };
    const outcome = await resetDemo(this.runtime.discovery, (service) => this.runtime.auth.proofs.proofFor(principal, service));
    this.runtime.logger.event(outcome.status === 200 ? 'log' : 'warn', 'admin action: demo reset', { status: outcome.status, steps: outcome.steps, actor: who.actor, via: who.via });
    if (outcome.status !== 200) {
      const last = outcome.steps[outcome.steps.length - 1]!;
      const why = (last.answer as { error?: { message?: unknown } } | undefined)?.error?.message ?? last.answer;
      throw new ApiError(outcome.status, outcome.status === 409 ? 'sagas_in_flight' : 'service_unavailable', `demo reset stopped at ${last.service}: ${String(why)}`);
    }
    return { ok: true, steps: outcome.steps.map((s) => ({ service: s.service, done: (s.answer as { done?: unknown }).done })) };
  }
}
