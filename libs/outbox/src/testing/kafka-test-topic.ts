import { randomBytes } from 'node:crypto';
import { localKafka, localKafkaSasl } from '@shop/testing';
import { Kafka, logLevel } from 'kafkajs';

/** deploy/infra.sh's broker, and its admin user when it has users (localKafka). */
export const TEST_BROKERS = localKafka().brokers;
export const TEST_KAFKA_ADMIN = localKafka().user();

export interface ConsumedMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

const kafka = new Kafka({
  clientId: 'outbox-int-test',
  brokers: TEST_BROKERS,
  sasl: localKafkaSasl(),
  connectionTimeout: 3000,
  requestTimeout: 10_000,
  logLevel: logLevel.NOTHING,
});

/** A topic of its own for one test (the broker does not auto-create topics). */
export async function createTestTopic(prefix: string, partitions = 3): Promise<string> {
  const topic = `test.${prefix}.${Date.now().toString(36)}.${randomBytes(3).toString('hex')}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  return topic;
}

export async function deleteTestTopics(topics: string[]): Promise<void> {
  if (topics.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads a topic from the beginning until `until(messages)` holds or `timeoutMs` passes (then rejects with what
 * was read, so a failing test shows it).
 */
export async function consumeUntil(
  topic: string,
  until: (messages: readonly ConsumedMessage[]) => boolean,
  timeoutMs = 30_000,
): Promise<ConsumedMessage[]> {
  const consumer = kafka.consumer({ groupId: `${topic}.reader.${randomBytes(3).toString('hex')}` });
  const messages: ConsumedMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`gave up after ${timeoutMs} ms with ${messages.length} messages: ${JSON.stringify(messages.map((m) => m.key))}`)),
        timeoutMs,
      );
      const check = (): void => {
        if (until(messages)) {
          clearTimeout(timer);
          resolve();
        }
      };
      check();
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
          messages.push({ key: String(message.key), value: String(message.value), headers, partition, offset: message.offset });
          check();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** How many messages the topic holds now (sum over partitions of high - low watermark). */
export async function topicMessageCount(topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Every message of the topic (reads until as many as the topic holds now). */
export async function readWholeTopic(topic: string): Promise<ConsumedMessage[]> {
  const total = await topicMessageCount(topic);
  return consumeUntil(topic, (m) => m.length >= total);
}
