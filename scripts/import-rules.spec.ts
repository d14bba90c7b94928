import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The architecture's import rules (apps -> libs only, libraries through their index) are enforced by
// eslint.config.mjs; these cases prove the rule fires, so that it cannot silently stop working.
// ESLint runs as a child process: its ESM config cannot be loaded inside Jest's module sandbox.
const root = join(__dirname, '..');
const eslintBin = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');

function lintMessages(code: string, filePath: string): Array<{ ruleId: string | null; message: string }> {
  const run = spawnSync(process.execPath, [eslintBin, '--format', 'json', '--stdin', '--stdin-filename', filePath], {
    cwd: root,
    input: code,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const [result] = JSON.parse(run.stdout) as Array<{ messages: Array<{ ruleId: string | null; message: string }> }>;
  return result!.messages;
}

function importProblems(code: string, filePath: string): string[] {
  return lintMessages(code, filePath).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

function cycles(code: string, filePath: string): string[] {
  return lintMessages(code, filePath).filter((m) => m.ruleId === 'import-x/no-cycle').map((m) => m.message);
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

  it('refuses test support (@shop/testing) in production code, allows it in tests', () => {
    const code = "import { withPostgresAdmin } from '@shop/testing';\nexport const y = withPostgresAdmin;\n";
    const testOnly = (filePath: string) =>
      lintMessages(code, filePath).filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
    expect(testOnly('apps/order/src/application/y.ts')).toEqual([expect.stringMatching(/Only tests import @shop\/testing/)]);
    expect(testOnly('libs/outbox/src/y.ts')).toEqual([expect.stringMatching(/Only tests import @shop\/testing/)]);
    expect(testOnly('apps/order/src/application/y.int-spec.ts')).toEqual([]);
    expect(testOnly('libs/outbox/src/testing/y.ts')).toEqual([]);
    expect(testOnly('test/saga/support/y.ts')).toEqual([]);
  });

  it('keeps the browser app to the browser-safe libraries, without Node.js built-ins', () => {
    const code = [
      "import { RateLimitEngine } from '@shop/rate-limit';",
      "import { readFileSync } from 'node:fs';",
      "import { randomUUID } from 'crypto';",
      "import { CONFIG_KEYS } from '@shop/contracts';",
      "import { runLoad } from '@shop/load';",
      'export const y = [RateLimitEngine, readFileSync, randomUUID, CONFIG_KEYS, runLoad];',
    ].join('\n');
    // One refusal for each of the first three imports; the browser-safe libraries pass.
    expect(importProblems(code, 'apps/web/src/console/y.ts')).toEqual([
      expect.stringMatching(/browser app/),
      expect.stringMatching(/browser app/),
      expect.stringMatching(/browser app/),
    ]);
    // The server's apps are not held to it.
    expect(importProblems(code, 'apps/order/src/y.ts')).toEqual([]);
  });

  it('refuses an import cycle, through relative paths and through a library index', () => {
    // proxy.handler.ts imports api-path.ts: api-path.ts importing it back closes a circle.
    expect(cycles("import { ProxyHandler } from './proxy.handler';\nexport const y = ProxyHandler;\n", 'apps/gateway/src/proxy/api-path.ts')).toEqual([
      expect.stringMatching(/Dependency cycle/),
    ]);
    // @shop/raft's index reaches core/progress.ts: the index imported from inside the library is a circle too.
    expect(cycles("import { RaftNode } from '@shop/raft';\nexport const y = RaftNode;\n", 'libs/raft/src/core/progress.ts')).toEqual([
      expect.stringMatching(/Dependency cycle/),
    ]);
  });

  it("keeps an app's layers pointing inwards: application/ and domain/ never import infrastructure/, domain/ no framework", () => {
    const repository = "import { OrderRepository } from '../infrastructure/order.repository';\nexport const y = OrderRepository;\n";
    expect(importProblems(repository, 'apps/order/src/application/y.ts')).toEqual([expect.stringMatching(/never import infrastructure\/: the application declares a port/)]);
    expect(importProblems(repository, 'apps/order/src/domain/y.ts')).toEqual([expect.stringMatching(/never import infrastructure\//)]);
    expect(importProblems("import { Injectable } from '@nestjs/common';\nexport const y = Injectable;\n", 'apps/payment/src/domain/y.ts')).toEqual([
      expect.stringMatching(/domain\/ holds the rules alone/),
    ]);
    expect(importProblems("import { OrderStore } from '../application/order-store.port';\nexport const y = OrderStore;\n", 'apps/order/src/domain/y.ts')).toEqual([
      expect.stringMatching(/domain\/ holds the rules alone/),
    ]);
    // Infrastructure implements the application's ports; an int-spec wires real adapters; the module binds them.
    expect(importProblems("import { OrderStore } from '../application/order-store.port';\nexport const y = OrderStore;\n", 'apps/order/src/infrastructure/y.ts')).toEqual([]);
    expect(importProblems(repository, 'apps/order/src/application/y.int-spec.ts')).toEqual([]);
    expect(importProblems("import { OrderRepository } from './infrastructure/order.repository';\nexport const y = OrderRepository;\n", 'apps/order/src/y.module.ts')).toEqual([]);
  });

  it('refuses identity importing another app, as every app', () => {
    expect(importProblems("import { x } from '../../order/src/x';\nexport const y = x;\n", 'apps/identity/src/y.ts')).toEqual([expect.stringMatching(/Never import one app from another/)]);
  });

  it('allows the files as they are: no cycle anywhere the rule looks', () => {
    expect(cycles("import { routeKeyOf } from './api-path';\nexport const y = routeKeyOf;\n", 'apps/gateway/src/proxy/y.ts')).toEqual([]);
  });
});
