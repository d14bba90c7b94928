import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { BrokerUnavailableError, isBrokerUnavailable, isProducerStateLost, KafkaEventPublisher, PublishTimeoutError } from './kafka-event.publisher';

describe('isBrokerUnavailable: an outage (retry until it ends) versus a bad message (may go dead)', () => {
  it('recognizes connection failures, also when kafkajs wraps them after its retries', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1');
    expect(isBrokerUnavailable(refused)).toBe(true);
    expect(isBrokerUnavailable(new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 2, retryTime: 400 }))).toBe(true);
    expect(isBrokerUnavailable(new BrokerUnavailableError('down', refused))).toBe(true);
    expect(isBrokerUnavailable(new PublishTimeoutError('t', 1000))).toBe(true);
  });

  it('recognizes broker-side protocol errors that pass (no leader, not enough replicas)', () => {
    const noLeader = new KafkaJSProtocolError({ type: 'LEADER_NOT_AVAILABLE', code: 5, retriable: true, message: 'no leader' } as never);
    expect(isBrokerUnavailable(noLeader)).toBe(true);
  });

  it('does not excuse errors that belong to the message or the topic', () => {
    const tooLarge = new KafkaJSProtocolError({ type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false, message: 'too large' } as never);
    const noTopic = new KafkaJSProtocolError({
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
      code: 3,
      retriable: true,
      message: 'This server does not host this topic-partition',
    } as never);
    expect(isBrokerUnavailable(tooLarge)).toBe(false);
    expect(isBrokerUnavailable(new KafkaJSNumberOfRetriesExceeded(noTopic, { retryCount: 2, retryTime: 400 }))).toBe(false);
    expect(isBrokerUnavailable(new Error('boom'))).toBe(false);
    expect(isBrokerUnavailable('not an error')).toBe(false);
  });
});

describe('a producer whose sequence the broker refuses is replaced (after a broker restart kafkajs never recovers)', () => {
  const outOfOrder = (): Error =>
    new KafkaJSNumberOfRetriesExceeded(
      new KafkaJSProtocolError({ type: 'OUT_OF_ORDER_SEQUENCE_NUMBER', code: 45, retriable: false, message: 'out of order' } as never),
      { retryCount: 2, retryTime: 400 },
    );

  it('recognizes the producer-state errors, and only those', () => {
    expect(isProducerStateLost(outOfOrder())).toBe(true);
    expect(isProducerStateLost(new KafkaJSProtocolError({ type: 'UNKNOWN_PRODUCER_ID', code: 59, retriable: false, message: 'x' } as never))).toBe(true);
    expect(isProducerStateLost(new KafkaJSConnectionError('refused'))).toBe(false);
    expect(isProducerStateLost(new KafkaJSProtocolError({ type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false, message: 'x' } as never))).toBe(false);
  });

  it('answers the refused publish as an outage (the outbox retries it, never dead-letters it) and publishes the next through a new producer', async () => {
    const created: { send: jest.Mock; connect: jest.Mock; disconnect: jest.Mock }[] = [];
    const publisher = new KafkaEventPublisher({ clientId: 'test', brokers: ['127.0.0.1:1'] });
    const fakeProducer = (fails: boolean) => {
      const producer = {
        connect: jest.fn().mockResolvedValue(undefined),
        disconnect: jest.fn().mockResolvedValue(undefined),
        send: fails ? jest.fn().mockRejectedValue(outOfOrder()) : jest.fn().mockResolvedValue([]),
      };
      created.push(producer);
      return producer;
    };
    // The Kafka client is the unit's boundary: its producers are replaced by stand-ins, the first one refused.
    const internals = publisher as unknown as { producer: unknown; newProducer: () => unknown };
    internals.producer = fakeProducer(true);
    internals.newProducer = () => fakeProducer(false);

    const first = publisher.publish('order.events', [{ key: 'o-1', value: '{}' }]);
    await expect(first).rejects.toBeInstanceOf(BrokerUnavailableError);
    expect(created[0]!.disconnect).toHaveBeenCalled();

    await publisher.publish('order.events', [{ key: 'o-1', value: '{}' }]);
    expect(created).toHaveLength(2);
    expect(created[1]!.connect).toHaveBeenCalled();
    expect(created[1]!.send).toHaveBeenCalledTimes(1);
  });
});
