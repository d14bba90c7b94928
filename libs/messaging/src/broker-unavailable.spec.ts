import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { BrokerUnavailableError, isBrokerUnavailable, PublishTimeoutError } from './kafka-event.publisher';

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
