import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The architecture's import rules (apps -> libs only, libraries through their index) are enforced by
// eslint.config.mjs; these cases prove the rule fires, so that it cannot silently stop working.
// ESLint runs as a child process: its ESM config cannot be loaded inside Jest's module sandbox.
const root = join(__dirname, '..');
const eslintBin = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');

function importProblems(code: string, filePath: string): string[] {
  const run = spawnSync(process.execPath, [eslintBin, '--format', 'json', '--stdin', '--stdin-filename', filePath], {
    cwd: root,
    input: code,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const [result] = JSON.parse(run.stdout) as Array<{ messages: Array<{ ruleId: string | null; message: string }> }>;
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import rules', () => {
  it('refuses an import from one app into another', () => {
    expect(importProblems("import { x } from '../../inventory/src/x';\nexport const y = x;\n", 'apps/order/src/y.ts')).toEqual([
      expect.stringMatching(/Never import one app from another/),
    ]);
  });

  it('refuses an import from a library into an app', () => {
    expect(importProblems("import { x } from '../../../apps/order/src/x';\nexport const y = x;\n", 'libs/outbox/src/y.ts')).toEqual([
      expect.stringMatching(/Never import from an app/),
    ]);
  });

  it("refuses reaching past a library's index", () => {
    expect(importProblems("import { x } from '@shop/common/logging/json-logger';\nexport const y = x;\n", 'apps/order/src/y.ts')).toEqual([
      expect.stringMatching(/only through its index/),
    ]);
  });

  it("refuses an import of the system tests' support from an app or a library", () => {
    expect(importProblems("import { x } from '../../../../test/saga/support/shop';\nexport const y = x;\n", 'apps/order/src/application/y.int-spec.ts')).toEqual([
      expect.stringMatching(/never imports test\//),
    ]);
    expect(importProblems("import { x } from '../../../test/support/system';\nexport const y = x;\n", 'libs/outbox/src/testing/y.ts')).toEqual([
      expect.stringMatching(/never imports test\//),
    ]);
  });

  it('allows an app its own files and libraries through their index', () => {
    expect(importProblems("import { a } from './a';\nimport { b } from '@shop/common';\nexport const y = [a, b];\n", 'apps/order/src/y.ts')).toEqual([]);
  });
});
