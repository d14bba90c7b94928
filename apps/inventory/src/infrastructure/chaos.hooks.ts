import { Inject, Injectable } from '@nestjs/common';
import { createLogger } from '@shop/common';
import { INVENTORY_CONFIG } from '../inventory.tokens';
import type { InventoryConfig } from '../inventory.config';

/**
 * Fault injection for the system tests (off unless CHAOS_CRASH_AFTER_COMMIT_OF names an event type): the process
 * dies right after a handler's transaction committed and before kafkajs commits the offset, the window in
 * which only the inbox prevents a second effect on redelivery.
 */
@Injectable()
export class ChaosHooks {
  private readonly logger = createLogger('ChaosHooks');

  constructor(@Inject(INVENTORY_CONFIG) private readonly config: InventoryConfig) {}

  afterCommit(eventType: string): void {
    if (this.config.crashAfterCommitOf !== eventType) return;
    this.logger.event('warn', 'chaos: exiting after commit, before the offset commit', { eventType });
    process.exit(86);
  }
}
