// Kafka knows who publishes (docs/security.md, "Kafka"): deploy/infra.sh's broker authenticates each service
// with SASL/SCRAM and its ACLs let a service produce only to its own topic. A message produced to
// payment.events with inventory's credentials is refused by the broker, and the topic does not grow. Nothing is
// written to the saga's topics by this test (the positive control only asks the broker about inventory's own
// topic). Needs `npm run infra:up` (the broker and its users; KAFKA_BROKERS picks another broker).
import { localKafka } from '@shop/testing';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaEventPublisher, kafkaSasl } from './index';

jest.setTimeout(60_000);

const local = localKafka();
const inventory = local.user('inventory');
const admin = new Kafka({ clientId: 'acl-it-admin', brokers: local.brokers, sasl: kafkaSasl(local.user()), logLevel: logLevel.NOTHING }).admin();

async function messagesIn(topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

describe("the broker's ACLs (deploy/infra.sh)", () => {
  let publisher: KafkaEventPublisher;

  beforeAll(async () => {
    if (!inventory) throw new Error('no Kafka users in .data/secrets.env: run `npm run infra:up` (it creates them and their ACLs)');
    await admin.connect();
    publisher = new KafkaEventPublisher({ clientId: 'acl-it-inventory', brokers: local.brokers, credentials: inventory, retries: 1 });
  });
  afterAll(async () => {
    await publisher?.disconnect();
    await admin.disconnect();
  });

  it("authenticates inventory and lets it see its own topic", async () => {
    const asInventory = new Kafka({ clientId: 'acl-it-inventory-admin', brokers: local.brokers, sasl: kafkaSasl(inventory), logLevel: logLevel.NOTHING }).admin();
    await asInventory.connect();
    try {
      const metadata = await asInventory.fetchTopicMetadata({ topics: ['inventory.events'] });
      expect(metadata.topics.map((t) => t.name)).toEqual(['inventory.events']);
    } finally {
      await asInventory.disconnect();
    }
  });

  it.each(['payment.events', 'order.events'])("refuses a message produced to %s with inventory's credentials", async (topic) => {
    const before = await messagesIn(topic);
    const refused = await publisher.publish(topic, [{ key: 'forged', value: '{"type":"PaymentSucceeded"}' }]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(String(refused)).toMatch(/not authorized|TOPIC_AUTHORIZATION_FAILED/i);
    expect(await messagesIn(topic)).toBe(before);
  });

  it('refuses a client without credentials', async () => {
    const anonymous = new Kafka({ clientId: 'acl-it-anonymous', brokers: local.brokers, connectionTimeout: 2000, retry: { retries: 0 }, logLevel: logLevel.NOTHING }).admin();
    await expect(anonymous.connect().then(() => anonymous.fetchTopicMetadata({ topics: ['payment.events'] }))).rejects.toThrow();
    await anonymous.disconnect().catch(() => undefined);
  });
});
