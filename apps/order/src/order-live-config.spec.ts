import { CONSUMER_GROUP_TIMING } from '@shop/messaging';
import { DEFAULT_SAGA_TIMEOUT_MS, parseSagaTimeoutMs } from './order-live-config';

/** The broker's default bounds on a consumer's session timeout (group.min/max.session.timeout.ms). */
const BROKER_SESSION_BOUNDS_MS = { min: 6000, max: 300_000 };
/** What docs/consistency.md "Timeouts" sizes the saga timeout against, besides the consumer group's own timing. */
const SERVICE_RESTART_MS = 30_000;
const OUTAGE_MS = 30_000;
const RELAY_MAX_BACKOFF_MS = 10_000;

describe('timeouts sized together (a restart or a crash must not cancel orders by timeout)', () => {
  it("hands a crashed consumer's partitions on within 10 s, with heartbeats at most a third of the session", () => {
    const { sessionTimeout, heartbeatInterval } = CONSUMER_GROUP_TIMING;
    expect(sessionTimeout).toBeLessThanOrEqual(10_000);
    expect(sessionTimeout).toBeGreaterThanOrEqual(BROKER_SESSION_BOUNDS_MS.min);
    expect(heartbeatInterval * 3).toBeLessThanOrEqual(sessionTimeout);
  });

  it('gives up on a saga only after the slowest recovery that should not cancel it', () => {
    const { sessionTimeout, rebalanceTimeout } = CONSUMER_GROUP_TIMING;
    const worstRecovery = sessionTimeout + rebalanceTimeout + SERVICE_RESTART_MS + OUTAGE_MS + RELAY_MAX_BACKOFF_MS;
    expect(DEFAULT_SAGA_TIMEOUT_MS).toBeGreaterThan(worstRecovery);
    expect(parseSagaTimeoutMs(DEFAULT_SAGA_TIMEOUT_MS)).toBe(DEFAULT_SAGA_TIMEOUT_MS);
  });
});
