import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { localKafka } from '@shop/testing';
import { KafkaEventPublisher, kafkaSasl } from './index';

jest.setTimeout(60_000);

const BROKERS = localKafka().brokers;
const ADMIN = localKafka().user();

describe('KafkaEventPublisher (real Kafka)', () => {
  const admin = new Kafka({ clientId: 'publisher-it', brokers: BROKERS, sasl: kafkaSasl(ADMIN), logLevel: logLevel.NOTHING }).admin();
  const topic = `test.publisher.${Date.now().toString(36)}.${randomBytes(3).toString('hex')}`;
  const publisher = new KafkaEventPublisher({ clientId: 'publisher-it', brokers: BROKERS, credentials: ADMIN });

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  });
  afterAll(async () => {
    await publisher.disconnect();
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });

  it('publishes keyed messages with headers, acknowledged by the broker', async () => {
    await publisher.publish(topic, [
      { key: 'order-1', value: '{"n":1}', headers: { 'x-request-id': 'r-1' } },
      { key: 'order-1', value: Buffer.from('{"n":2}') },
    ]);
    const [partition] = await admin.fetchTopicOffsets(topic);
    expect(Number(partition.high)).toBe(2);
  });

  it('answers the health probe with the cluster it reached', async () => {
    const detail = await publisher.probe({ signal: AbortSignal.timeout(5000) });
    expect(detail).toMatchObject({ brokers: 1 });
  });

  it('rejects (does not hang) when no broker is reachable, and when the topic does not exist', async () => {
    const unreachable = new KafkaEventPublisher({ clientId: 'publisher-it-down', brokers: ['127.0.0.1:1'], connectionTimeoutMs: 300, retries: 1 });
    await expect(unreachable.publish(topic, [{ key: 'k', value: 'v' }])).rejects.toThrow();
    await expect(unreachable.probe({ signal: AbortSignal.timeout(2000) })).rejects.toThrow();
    await unreachable.disconnect();
    await expect(publisher.publish(`${topic}.missing`, [{ key: 'k', value: 'v' }])).rejects.toThrow();
  });
});
