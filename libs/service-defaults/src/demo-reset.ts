import { Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { Caller, requireInternal } from '@shop/auth';
import type { Principal } from '@shop/auth';
import { ApiError } from '@shop/common';
import { DataSource, EntityManager } from 'typeorm';

/**
 * The service side of the operator's demo reset (docs/consistency.md, "Demo reset"): each saga service resets its
 * part of the demo data, or refuses with 409 `sagas_in_flight` while it can see a saga still moving. The check and
 * the reset are one transaction that first takes the row locks the saga's own steps take, so a step is either
 * seen by the check (refused) or waits and lands on the new baseline. Internal: `POST /internal/demo/reset`, called
 * by the gateway's admin API only (every internal path lives under /internal/, one place to protect).
 */
export const DEMO_RESET_PATH = 'internal/demo/reset';

/** A saga's events are consumed within this time in a healthy shop: activity younger than it means "in flight". */
export const DEMO_RESET_QUIET_MS = 5000;

export interface DemoResetPart {
  service: string;
  /** SQL that takes the locks a saga step takes, first in the transaction (e.g. `SELECT ... FOR UPDATE`). */
  lock: string;
  /** The service's own signs of a saga in flight, read under the locks; empty when quiet. */
  inFlight(manager: EntityManager): Promise<string[]>;
  /** Puts the demo data back to its start; says what it did. Never touches orders, payments or the logs. */
  reset(manager: EntityManager): Promise<string>;
}

export const DEMO_RESET_PART = Symbol('DEMO_RESET_PART');

export async function runDemoReset(dataSource: DataSource, part: DemoResetPart): Promise<{ service: string; done: string }> {
  return dataSource.transaction(async (manager) => {
    await manager.query(part.lock);
    const problems = await part.inFlight(manager);
    const [outbox] = (await manager.query(`SELECT count(*)::int AS pending FROM outbox_message WHERE status = 'pending'`)) as { pending: number }[];
    if (outbox && outbox.pending > 0) problems.push(`${outbox.pending} outbox row(s) not yet published`);
    if (problems.length > 0) throw new ApiError(409, 'sagas_in_flight', `${part.service}: ${problems.join('; ')}; try again when the shop is quiet`);
    return { service: part.service, done: await part.reset(manager) };
  });
}

/** Rows of `table` changed within the quiet time, as a problem to report (empty when none). */
export async function recentActivity(manager: EntityManager, table: string, what: string): Promise<string[]> {
  const [row] = (await manager.query(`SELECT count(*)::int AS n FROM ${table} WHERE updated_at > now() - make_interval(secs => $1)`, [DEMO_RESET_QUIET_MS / 1000])) as { n: number }[];
  return row && row.n > 0 ? [`${row.n} ${what} changed in the last ${DEMO_RESET_QUIET_MS / 1000} s`] : [];
}

@Controller()
export class DemoResetController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(DEMO_RESET_PART) private readonly part: DemoResetPart,
  ) {}

  @Post(DEMO_RESET_PATH)
  @HttpCode(200)
  reset(@Caller() caller: Principal) {
    // Only the gateway (for an operator or the admin token) or an operator: never a customer's proof.
    requireInternal(caller);
    return runDemoReset(this.dataSource, this.part);
  }
}
