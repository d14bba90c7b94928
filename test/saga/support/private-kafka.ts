import { ChildProcess, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { freePort, spawnLogged, stopChild } from '@shop/testing';
import { SAGA_TOPIC_PARTITIONS } from '../../../deploy/kafka-partitions';

const ROOT = join(__dirname, '..', '..', '..');

/** The lines of a file of deploy/kafka/ that configures the demo broker, comments and blank lines left out. */
function demoBrokerLines(file: 'jvm.options' | 'demo-broker.properties'): string[] {
  return readFileSync(join(ROOT, 'deploy', 'kafka', file), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}
const KAFKA_LIB = join(ROOT, 'deploy', 'kafka', 'lib');
const LOG4J = join(ROOT, 'deploy', 'kafka', 'log4j.properties');
export const SAGA_TOPICS = ['order.events', 'inventory.events', 'payment.events'];

/**
 * A Kafka 3.9 broker of this test run only (KRaft, single node, the settings of deploy/infra.sh but without SASL
 * and ACLs: the saga tests are about the saga; who may publish is proven by kafka-acl.int-spec.ts), on free ports
 * with its data in the run's directory: the saga tests may stop and restart it, and their consumer groups and
 * topics never meet the shared broker on 9092 that other tests and the dev stack use.
 */
export class PrivateKafka {
  private proc: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly controllerPort: number,
    private readonly dir: string,
  ) {}

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(dir: string): Promise<PrivateKafka> {
    const kafka = new PrivateKafka(await freePort(), await freePort(), join(dir, 'kafka'));
    mkdirSync(kafka.dir, { recursive: true });
    writeFileSync(kafka.propertiesPath, kafka.properties());
    const clusterId = execFileSync('java', ['-cp', `${KAFKA_LIB}/*`, `-Dlog4j.configuration=file:${LOG4J}`, 'kafka.tools.StorageTool', 'random-uuid'], {
      encoding: 'utf8',
      timeout: 60_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .trim()
      .split('\n')
      .pop()!;
    execFileSync('java', ['-cp', `${KAFKA_LIB}/*`, `-Dlog4j.configuration=file:${LOG4J}`, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', kafka.propertiesPath], {
      timeout: 60_000,
      stdio: 'ignore',
    });
    await kafka.resume();
    try {
      await kafka.createTopics();
    } catch (error) {
      await kafka.stop();
      throw error;
    }
    return kafka;
  }

  /** Starts the broker (again, from its data directory) and waits until a metadata request answers. */
  async resume(): Promise<void> {
    if (this.proc) return;
    // The JVM flags of the deployed demo broker (deploy/kafka/jvm.options): a benchmark measures the broker as deployed.
    this.proc = spawnLogged('java', [...demoBrokerLines('jvm.options'), `-Dlog4j.configuration=file:${LOG4J}`, '-cp', `${KAFKA_LIB}/*`, 'kafka.Kafka', this.propertiesPath], {
      logFile: join(this.dir, 'kafka.log'),
    });
    try {
      await this.waitReady(120_000);
    } catch (error) {
      await this.pause();
      throw error;
    }
  }

  /** Stops the broker (SIGTERM, controlled shutdown; SIGKILL after 30 s). */
  async pause(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = null;
    await stopChild(proc, { graceMs: 30_000 });
  }

  async stop(): Promise<void> {
    await this.pause();
  }

  private get propertiesPath(): string {
    return join(this.dir, 'server.properties');
  }

  private properties(): string {
    return [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${this.controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${this.port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${join(this.dir, 'data')}`,
      'num.partitions=3',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=3',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=false',
      ...demoBrokerLines('demo-broker.properties'),
      '',
    ].join('\n');
  }

  private client(): Kafka {
    return new Kafka({ clientId: 'saga-e2e', brokers: [this.brokers], connectionTimeout: 2000, requestTimeout: 5000, retry: { retries: 0 }, logLevel: logLevel.NOTHING });
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      if (!this.proc || this.proc.exitCode !== null) throw new Error(`the private Kafka broker exited (see ${this.dir}/kafka.log)`);
      const admin = this.client().admin();
      try {
        await admin.connect();
        await admin.fetchTopicMetadata({ topics: [] });
        return;
      } catch (error) {
        last = error;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`the private Kafka broker did not answer within ${timeoutMs} ms: ${String(last)}`);
  }

  private async createTopics(): Promise<void> {
    const admin = this.client().admin();
    await admin.connect();
    try {
      await admin.createTopics({ waitForLeaders: true, timeout: 10_000, topics: SAGA_TOPICS.map((topic) => ({ topic, numPartitions: SAGA_TOPIC_PARTITIONS, replicationFactor: 1 })) });
    } finally {
      await admin.disconnect();
    }
  }
}
