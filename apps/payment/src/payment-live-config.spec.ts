import { CONSUMER_GROUP_TIMING } from '@shop/messaging';
import { MAX_LATENCY_MS, parseLatencyMs } from './payment-live-config';

describe('payment latency injection', () => {
  it("stays under the consumer's session timeout (kafkajs heartbeats between messages only)", () => {
    expect(MAX_LATENCY_MS + CONSUMER_GROUP_TIMING.heartbeatInterval).toBeLessThan(CONSUMER_GROUP_TIMING.sessionTimeout);
    expect(parseLatencyMs(MAX_LATENCY_MS)).toBe(MAX_LATENCY_MS);
    expect(() => parseLatencyMs(MAX_LATENCY_MS + 1)).toThrow(/8000/);
  });
});
