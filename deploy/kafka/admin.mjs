// Kafka checks for deploy/infra.sh, through a real client (kafkajs, the client the apps use).
//   node deploy/kafka/admin.mjs wait   --brokers 127.0.0.1:9092 --timeout-ms 120000 [--pid N]
//   node deploy/kafka/admin.mjs topics --brokers 127.0.0.1:9092 --partitions 3 order.events inventory.events ...
// `wait` succeeds once a metadata request answers (an open port is not enough: the broker accepts connections
// before its KRaft controller has elected itself). With --pid it gives up as soon as that process is gone.
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    brokers: { type: 'string', default: '127.0.0.1:9092' },
    'timeout-ms': { type: 'string', default: '120000' },
    partitions: { type: 'string', default: '3' },
    pid: { type: 'string' },
  },
});
const [command, ...topicNames] = positionals;
const deadline = Date.now() + Number(options['timeout-ms']);
const attemptTimeoutMs = 5000;

function newAdmin() {
  const kafka = new Kafka({
    clientId: 'infra-script',
    brokers: options.brokers.split(','),
    connectionTimeout: 3000,
    requestTimeout: attemptTimeoutMs,
    // One attempt per call: this script owns the retry loop and its deadline.
    retry: { retries: 0 },
    // Refused connections are expected while the broker boots; the last error is reported below.
    logLevel: logLevel.NOTHING,
  });
  return kafka.admin();
}

function processIsAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForMetadata() {
  let lastError = new Error('no attempt made');
  while (Date.now() < deadline) {
    if (options.pid && !processIsAlive(Number(options.pid))) {
      throw new Error(`the broker process ${options.pid} exited (see .infra/kafka.log)`);
    }
    const admin = newAdmin();
    try {
      await admin.connect();
      const metadata = await admin.fetchTopicMetadata({ topics: [] });
      return metadata.topics.length;
    } catch (error) {
      lastError = error;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`Kafka at ${options.brokers} did not answer a metadata request in time: ${lastError.message}`);
}

async function ensureTopics() {
  const partitions = Number(options.partitions);
  const admin = newAdmin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = topicNames.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        timeout: attemptTimeoutMs,
        topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
      });
    }
    const metadata = await admin.fetchTopicMetadata({ topics: topicNames });
    const tooSmall = metadata.topics.filter((t) => t.partitions.length < partitions);
    if (tooSmall.length > 0) {
      await admin.createPartitions({
        timeout: attemptTimeoutMs,
        topicPartitions: tooSmall.map((t) => ({ topic: t.name, count: partitions })),
      });
    }
    for (const topic of topicNames) {
      const state = missing.includes(topic) ? 'created' : tooSmall.some((t) => t.name === topic) ? 'grown' : 'exists';
      console.log(`    topic ${topic} (${partitions} partitions): ${state}`);
    }
  } finally {
    await admin.disconnect();
  }
}

try {
  if (command === 'wait') {
    const topicCount = await waitForMetadata();
    console.log(`    Kafka answers metadata requests (${topicCount} topics)`);
  } else if (command === 'topics') {
    await ensureTopics();
  } else {
    throw new Error(`unknown command "${command ?? ''}" (expected wait or topics)`);
  }
} catch (error) {
  console.error(`infra: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
