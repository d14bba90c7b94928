#!/usr/bin/env node
// The steps of `npm test` (test/run-all.sh prepares Node.js, the infrastructure and the build, then runs this):
// every test of the project, in order of cost — static checks, unit, integration, end-to-end — then one summary
// table and the closing line "N passed, N failed". Exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const reportDir = join(root, 'test-artifacts', 'jest');
rmSync(reportDir, { recursive: true, force: true });
mkdirSync(reportDir, { recursive: true });

const only = process.argv.slice(2); // e.g. `npm test -- unit integration`: only these steps
const steps = [
  { name: 'typecheck', cmd: ['npx', 'tsc', '-p', 'tsconfig.json', '--noEmit'] },
  { name: 'lint', cmd: ['npx', 'eslint', '.'] },
  { name: 'unit', jest: ['--selectProjects', 'unit'] },
  { name: 'integration', jest: ['--selectProjects', 'integration', '--runInBand'] },
  { name: 'e2e', jest: ['--selectProjects', 'e2e', '--runInBand'] },
].filter((s) => only.length === 0 || only.includes(s.name));

const rows = [];
for (const step of steps) {
  const started = Date.now();
  console.log(`\n=== ${step.name} ===`);
  let cmd = step.cmd;
  const outputFile = join(reportDir, `${step.name}.json`);
  if (step.jest) cmd = ['npx', 'jest', ...step.jest, '--json', `--outputFile=${outputFile}`];
  const run = spawnSync(cmd[0], cmd.slice(1), { cwd: root, stdio: 'inherit', env: process.env });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (step.jest) {
    let report;
    try {
      report = JSON.parse(readFileSync(outputFile, 'utf8'));
    } catch {
      report = undefined;
    }
    const passed = report?.numPassedTests ?? 0;
    const failed = (report?.numFailedTests ?? 0) + (report?.numRuntimeErrorTestSuites ?? 0);
    const ok = run.status === 0 && failed === 0 && report !== undefined;
    rows.push({ step: step.name, ok, passed, failed: ok || failed > 0 ? failed : 1, suites: report?.numTotalTestSuites ?? 0, seconds });
  } else {
    rows.push({ step: step.name, ok: run.status === 0, passed: run.status === 0 ? 1 : 0, failed: run.status === 0 ? 0 : 1, suites: '-', seconds });
  }
}

console.log('\n=== summary ===');
console.log(['step'.padEnd(12), 'result'.padEnd(6), 'suites'.padStart(6), 'passed'.padStart(7), 'failed'.padStart(7), 'seconds'.padStart(8)].join(' '));
for (const r of rows) {
  console.log([r.step.padEnd(12), (r.ok ? 'ok' : 'FAIL').padEnd(6), String(r.suites).padStart(6), String(r.passed).padStart(7), String(r.failed).padStart(7), r.seconds.padStart(8)].join(' '));
}
const passed = rows.reduce((n, r) => n + r.passed, 0);
const failed = rows.reduce((n, r) => n + r.failed, 0);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(rows.every((r) => r.ok) ? 0 : 1);
