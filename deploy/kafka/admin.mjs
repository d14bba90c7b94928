// Kafka checks for deploy/infra.sh, through a real client (kafkajs, the client the apps use).
//   node deploy/kafka/admin.mjs wait   --brokers 127.0.0.1:9092 --timeout-ms 120000 [--pid N]
//   node deploy/kafka/admin.mjs topics --brokers 127.0.0.1:9092 --partitions 12 order.events inventory.events ...
//   node deploy/kafka/admin.mjs acls   --brokers 127.0.0.1:9092 order inventory payment
//   node deploy/kafka/admin.mjs users  --brokers 127.0.0.1:9092 order inventory payment
// `wait` succeeds once a metadata request answers (an open port is not enough: the broker accepts connections
// before its KRaft controller has elected itself). With --pid it gives up as soon as that process is gone. It
// exits with 4 when the broker answers without SASL while we bring credentials: a plaintext broker (started by an
// older checkout), which would refuse our users.
// `acls` grants each service (docs/security.md, "Kafka"): produce to its own topic <service>.events, consume the
// other services' topics, in its own consumer group <service>. `users` prints the users whose password the
// broker refuses (exit 3), so that deploy/infra.sh sets them.
// Credentials come from the environment, never the command line (which `ps` shows): KAFKA_USERNAME and
// KAFKA_PASSWORD (the admin super user; unset: plaintext), and for `users` <SERVICE>_KAFKA_PASSWORD.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';

const { SAGA_TOPIC_PARTITIONS } = createRequire(import.meta.url)('../kafka-partitions.js');

const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    brokers: { type: 'string', default: '127.0.0.1:9092' },
    'timeout-ms': { type: 'string', default: '120000' },
    partitions: { type: 'string', default: String(SAGA_TOPIC_PARTITIONS) },
    pid: { type: 'string' },
  },
});
const [command, ...topicNames] = positionals;
const adminCredentials = process.env.KAFKA_USERNAME ? { username: process.env.KAFKA_USERNAME, password: process.env.KAFKA_PASSWORD ?? '' } : undefined;
const deadline = Date.now() + Number(options['timeout-ms']);
const attemptTimeoutMs = 5000;

function newAdmin(credentials = adminCredentials) {
  const kafka = new Kafka({
    clientId: 'infra-script',
    brokers: options.brokers.split(','),
    sasl: credentials ? { mechanism: 'scram-sha-256', ...credentials } : undefined,
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
    if (adminCredentials && (await answersWithoutSasl())) {
      console.error(`infra: the broker at ${options.brokers} answers without SASL: it is a plaintext broker, which refuses our SCRAM users`);
      process.exit(4);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`Kafka at ${options.brokers} did not answer a metadata request in time: ${lastError.message}`);
}

async function answersWithoutSasl() {
  const admin = newAdmin(null);
  try {
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [] });
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const topicOf = (service) => `${service}.events`;

async function ensureAcls(services) {
  const allow = (principal, resourceType, resourceName, operation) => ({
    resourceType,
    resourceName,
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal: `User:${principal}`,
    host: '*',
    operation,
    permissionType: AclPermissionTypes.ALLOW,
  });
  const acl = services.flatMap((service) => [
    allow(service, AclResourceTypes.TOPIC, topicOf(service), AclOperationTypes.WRITE),
    ...services.filter((other) => other !== service).map((other) => allow(service, AclResourceTypes.TOPIC, topicOf(other), AclOperationTypes.READ)),
    allow(service, AclResourceTypes.GROUP, service, AclOperationTypes.READ),
  ]);
  const admin = newAdmin();
  try {
    await admin.connect();
    // Idempotent: an ACL that exists already is not added twice.
    await admin.createAcls({ acl });
    for (const service of services) {
      const reads = services.filter((other) => other !== service).map(topicOf).join(', ');
      console.log(`    user ${service}: produce ${topicOf(service)}; consume ${reads} in group ${service}`);
    }
  } finally {
    await admin.disconnect();
  }
}

/** The users whose password (from <USER>_KAFKA_PASSWORD) the broker refuses. */
async function refusedUsers(users) {
  const refused = [];
  for (const username of users) {
    const password = process.env[`${username.toUpperCase()}_KAFKA_PASSWORD`];
    if (!password) throw new Error(`${username.toUpperCase()}_KAFKA_PASSWORD is not set`);
    const admin = newAdmin({ username, password });
    try {
      await admin.connect();
    } catch {
      refused.push(username);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
  return refused;
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
  } else if (command === 'acls') {
    await ensureAcls(topicNames);
  } else if (command === 'users') {
    const refused = await refusedUsers(topicNames);
    if (refused.length > 0) {
      console.log(refused.join(' '));
      process.exit(3);
    }
  } else {
    throw new Error(`unknown command "${command ?? ''}" (expected wait, topics, acls or users)`);
  }
} catch (error) {
  console.error(`infra: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
