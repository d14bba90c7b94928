// The saga topics' partition count is written in four places besides its one definition
// (deploy/kafka-partitions.js): deploy/infra.sh, docker-compose.yml (the broker's default and the kafka-init
// command) and deploy/k8s/12-kafka.yaml (the same two). The consumers' KAFKA_PARTITIONS_CONCURRENTLY is compared
// by topology-drift and k8s-drift with the rest of the environment. Needs no server, like those two.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAGA_TOPIC_PARTITIONS } from '../deploy/kafka-partitions';

const ROOT = join(__dirname, '..');
const FILES = ['deploy/infra.sh', 'docker-compose.yml', 'deploy/k8s/12-kafka.yaml'] as const;
type Sources = Record<(typeof FILES)[number], string>;

/** Every partition count written in `sources` that is not `expected`, one line each; and a place that has none. */
function partitionDrift(sources: Sources, expected: number): string[] {
  const found: Record<string, RegExp[]> = {
    'deploy/infra.sh': [/^TOPIC_PARTITIONS=(\d+)$/gm],
    'docker-compose.yml': [/KAFKA_NUM_PARTITIONS: "(\d+)"/g, /admin\.mjs topics [^"\n]*--partitions (\d+)/g],
    'deploy/k8s/12-kafka.yaml': [/name: KAFKA_NUM_PARTITIONS\n\s+value: "(\d+)"/g, /admin\.mjs topics [^\n]*--partitions (\d+)/g],
  };
  const drift: string[] = [];
  for (const file of FILES) {
    for (const pattern of found[file]!) {
      const values = [...sources[file].matchAll(pattern)].map((m) => Number(m[1]));
      if (values.length === 0) drift.push(`${file}: no ${pattern.source}`);
      for (const v of values) if (v !== expected) drift.push(`${file}: ${v} partitions, deploy/kafka-partitions.js says ${expected}`);
    }
  }
  return drift;
}

const sources = Object.fromEntries(FILES.map((f) => [f, readFileSync(join(ROOT, f), 'utf8')])) as Sources;

describe('the saga topics have the same partitions everywhere', () => {
  it('deploy/infra.sh, docker-compose.yml and deploy/k8s agree with deploy/kafka-partitions.js', () => {
    expect(partitionDrift(sources, SAGA_TOPIC_PARTITIONS)).toEqual([]);
  });

  it('reports a count changed in one place only', () => {
    const changed = { ...sources, 'docker-compose.yml': sources['docker-compose.yml'].replace(`--partitions ${SAGA_TOPIC_PARTITIONS} `, '--partitions 5 ') };
    expect(partitionDrift(changed, SAGA_TOPIC_PARTITIONS)).toEqual([`docker-compose.yml: 5 partitions, deploy/kafka-partitions.js says ${SAGA_TOPIC_PARTITIONS}`]);
  });
});
