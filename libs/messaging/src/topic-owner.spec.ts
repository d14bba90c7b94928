import type { SagaEvent } from '@shop/contracts';
import { fromTopicOwner } from './kafka-consumer';

// Only the type matters to the rule: the payload is not looked at.
const cancelled = { id: 'e-1', type: 'OrderCancelled', aggregateId: 'o-1', occurredAt: '2026-12-08T00:00:00.000Z', payload: {} } as unknown as SagaEvent;

describe('a consumer takes a saga event only from the topic of the service that emits it', () => {
  it("refuses an OrderCancelled on payment.events (payment's credentials can write only there)", () => {
    expect(fromTopicOwner(cancelled, 'payment.events')).toBe(false);
    expect(fromTopicOwner(cancelled, 'inventory.events')).toBe(false);
  });

  it('takes it on order.events, and does not judge topics that are not the saga’s (tests use their own)', () => {
    expect(fromTopicOwner(cancelled, 'order.events')).toBe(true);
    expect(fromTopicOwner(cancelled, 'test.redelivery.abc')).toBe(true);
  });
});
