// The local broker that deploy/infra.sh starts is a real Kafka: a message produced with kafkajs comes back to a
// consumer group, key, value and headers intact. The topic and group are unique per run and deleted afterwards.
// Needs `npm run infra:up` (Kafka on 127.0.0.1:9092).
import { randomUUID } from 'node:crypto';
import { localKafka, localKafkaSasl } from '@shop/testing';
import { Admin, Consumer, Kafka, KafkaMessage, logLevel, Partitioners, Producer } from 'kafkajs';

jest.setTimeout(60_000);

const { brokers } = localKafka();

describe('the local Kafka broker (deploy/infra.sh)', () => {
  const runId = randomUUID().slice(0, 8);
  const topic = `it.kafka-broker.${runId}`;
  const groupId = `it.kafka-broker.${runId}`;
  const kafka = new Kafka({
    clientId: `kafka-broker-it-${runId}`,
    brokers,
    sasl: localKafkaSasl(),
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry: { retries: 5 },
    logLevel: logLevel.WARN,
  });
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, timeout: 10_000, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    await Promise.all([producer.connect(), consumer.connect()]);
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    if (!admin) return;
    try {
      await admin.deleteGroups([groupId]).catch((error: { groups?: { error?: { type?: string } }[] }) => {
        // The broker may already have dropped the group once it emptied: that is the clean state we want.
        if (error.groups?.every((g) => g.error?.type === 'GROUP_ID_NOT_FOUND')) return;
        throw error;
      });
      await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
    } finally {
      // Always, even when a deletion failed: an open admin connection keeps jest from exiting.
      await admin.disconnect();
    }
  });

  it('delivers a produced message to a consumer group with its key, value and headers', async () => {
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = new Promise<KafkaMessage>((resolve, reject) => {
      consumer.run({ eachMessage: async ({ message }) => resolve(message) }).catch(reject);
    });

    const value = JSON.stringify({ id: randomUUID(), type: 'OrderCreated', aggregateId: 'order-it', payload: {} });
    await producer.send({ topic, acks: -1, messages: [{ key: 'order-it', value, headers: { 'x-request-id': runId } }] });

    const message = await received;
    expect(message.key?.toString()).toBe('order-it');
    expect(message.value?.toString()).toBe(value);
    expect(message.headers?.['x-request-id']?.toString()).toBe(runId);
  });
});
