// The image (deploy/Dockerfile) copies a few deploy/ scripts beside dist/ by name: the entrypoint, the healthcheck,
// the secrets, kafka-init's admin script. A script that requires a sibling file the image lacks fails only when a
// container runs it (kafka-init once exited with "Cannot find module '../kafka-partitions.js'"), so this checks,
// without Docker, that every local file such a script loads is copied too. It lives with the e2e tests because it
// checks the deployment, like the drift tests.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = join(__dirname, '..');

/** The deploy/ files the final image copies from the build context (`COPY deploy/... <dir>`). */
export function copiedDeployFiles(dockerfile: string): string[] {
  const files: string[] = [];
  for (const line of dockerfile.split('\n')) {
    const words = line.trim().split(/\s+/);
    if (words[0] !== 'COPY' || words.some((w) => w.startsWith('--from'))) continue;
    files.push(...words.slice(1, -1).filter((w) => w.startsWith('deploy/')));
  }
  return files;
}

/** The local files a script loads: require('./x'), createRequire(...)('../x'), import ... from './x'. */
export function localDependencies(file: string, source: string): string[] {
  const specifiers = [...source.matchAll(/(?:require\(|\)\(|from\s+)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
  return specifiers.map((s) => relative(root, join(dirname(join(root, file)), s)));
}

describe('deploy/Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'deploy', 'Dockerfile'), 'utf8');

  it('copies every local file that the deploy scripts it copies load', () => {
    const copied = copiedDeployFiles(dockerfile);
    expect(copied.length).toBeGreaterThan(3);
    const missing: string[] = [];
    for (const file of copied) {
      if (!/\.(c?js|mjs)$/.test(file)) continue;
      for (const dependency of localDependencies(file, readFileSync(join(root, file), 'utf8'))) {
        if (!copied.includes(dependency)) missing.push(`${file} loads ${dependency}${existsSync(join(root, dependency)) ? '' : ' (not in the repository either)'}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('finds a dependency the way a script writes it', () => {
    expect(localDependencies('deploy/kafka/admin.mjs', "const { X } = createRequire(import.meta.url)('../kafka-partitions.js');")).toEqual(['deploy/kafka-partitions.js']);
    expect(localDependencies('deploy/a.js', "const s = require('./secrets');\nimport t from './topology.js';")).toEqual(['deploy/secrets', 'deploy/topology.js']);
  });
});
