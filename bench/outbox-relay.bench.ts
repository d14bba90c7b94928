// Outbox relay throughput and claim cost, on the local Postgres and Kafka (npm run infra:up first):
//   node -r ./scripts/ts-register.js bench/outbox-relay.bench.ts [rows=5000] [keys=500]
// 1. rows/s drained to Kafka by one relay, then by two relays on one table (the two order replicas);
// 2. the cost of one claim (DISTINCT ON key over the pending rows) with a large backlog, Kafka left out.
// A throwaway database and topic are created and dropped.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { localKafka, localKafkaSasl } from '@shop/testing';
import { EventPublisher, KafkaEventPublisher } from '@shop/messaging';
import { OUTBOX_ENTITIES, OUTBOX_MIGRATIONS, OutboxRelay } from '@shop/outbox';

const rows = Number(process.argv[2] ?? 5000);
const keys = Number(process.argv[3] ?? 500);
const brokers = localKafka().brokers;
const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const dbName = `outbox_bench_${suffix}`;
const topic = `bench.outbox.${suffix}`;

async function admin(sql: string): Promise<void> {
  const client = new Client({ host: '127.0.0.1', user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function dataSource(): DataSource {
  return new DataSource({
    type: 'postgres',
    url: `postgres://postgres@127.0.0.1:5432/${dbName}`,
    entities: OUTBOX_ENTITIES,
    migrations: OUTBOX_MIGRATIONS,
    extra: { max: 5 },
  });
}

async function fill(ds: DataSource, count: number, keyCount: number, toTopic: string): Promise<void> {
  await ds.query(
    `INSERT INTO outbox_message (id, topic, key, type, payload)
     SELECT gen_random_uuid(), $1, 'order-' || (i % $2), 'Bench', jsonb_build_object('n', i) FROM generate_series(1, $3) AS i`,
    [toTopic, keyCount, count],
  );
}

async function drain(ds: DataSource, relays: OutboxRelay[]): Promise<number> {
  const started = process.hrtime.bigint();
  await Promise.all(relays.map((r) => r.start()));
  for (;;) {
    const [{ n }] = (await ds.query(`SELECT count(*)::int AS n FROM outbox_message WHERE status = 'pending'`)) as { n: number }[];
    if (n === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await Promise.all(relays.map((r) => r.stop()));
  return seconds;
}

async function main(): Promise<void> {
  await admin(`CREATE DATABASE ${dbName}`);
  const kafkaAdmin = new Kafka({ clientId: 'outbox-bench', brokers, sasl: localKafkaSasl(), logLevel: logLevel.NOTHING }).admin();
  await kafkaAdmin.connect();
  await kafkaAdmin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
  const a = dataSource();
  const b = dataSource();
  const publisher = new KafkaEventPublisher({ clientId: 'outbox-bench', brokers, credentials: localKafka().user() });
  try {
    await a.initialize();
    await a.runMigrations();
    await b.initialize();
    await publisher.connect();
    const options = { serviceName: 'bench', listen: false as const, pollIntervalMs: 20, batchSize: 100 };

    await fill(a, rows, keys, topic);
    const one = await drain(a, [new OutboxRelay(a, publisher, options)]);
    await fill(a, rows, keys, topic);
    const two = await drain(a, [new OutboxRelay(a, publisher, options), new OutboxRelay(b, publisher, options)]);
    console.log(`relay drain, ${rows} rows over ${keys} keys, batch 100:`);
    console.log(`  one relay : ${(rows / one).toFixed(0)} rows/s (${one.toFixed(2)} s)`);
    console.log(`  two relays: ${(rows / two).toFixed(0)} rows/s (${two.toFixed(2)} s)`);

    const noop: EventPublisher = { publish: async () => undefined };
    for (const backlog of [10_000, 50_000]) {
      await a.query(`DELETE FROM outbox_message`);
      await fill(a, backlog, backlog, 'never-published');
      await a.query(`ANALYZE outbox_message`);
      const relay = new OutboxRelay(a, noop, { ...options, batchSize: 100 });
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = process.hrtime.bigint();
        await relay.relayOnce();
        samples.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
      samples.sort((x, y) => x - y);
      console.log(`one pass (claim 100 + mark) with ${backlog} pending rows in ${backlog} keys: median ${samples[2].toFixed(1)} ms`);
    }
  } finally {
    await publisher.disconnect();
    if (a.isInitialized) await a.destroy();
    if (b.isInitialized) await b.destroy();
    await kafkaAdmin.deleteTopics({ topics: [topic] });
    await kafkaAdmin.disconnect();
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
