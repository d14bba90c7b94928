// Lint: the architecture's import rules, enforced so that they cannot rot (docs/conventions.md, "Layout"):
// apps -> libs only; never app -> app, never lib -> app; a library is used only through its index (@shop/<lib>).
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';
import { BROWSER_LIBRARIES } from './scripts/browser-libraries.mjs';

const appNames = ['gateway', 'order', 'inventory', 'payment', 'identity', 'registry', 'web'];

const noReachingIntoApps = {
  group: ['**/apps/**', 'apps/**'],
  message: 'Never import from an app: apps import libs (@shop/<lib>), not each other.',
};
const noSystemTestSupport = {
  group: ['**/test/**'],
  message: "Code under apps/ and libs/ never imports test/ (the system tests' support); shared test helpers live in a library.",
};
// The browser app: only the libraries written for the browser too, never a Node.js built-in (the bundler would
// fail on them; the lint says why first). Built-ins by exact name: as a pattern, 'http' would match '../api/http'.
const browserOnlyMessage = `The browser app (apps/web) imports no Node.js built-in and of the libraries only ${BROWSER_LIBRARIES.map((lib) => `@shop/${lib}`).join(', ')} (scripts/browser-libraries.mjs).`;
const browserSafe = { group: ['node:*', '@shop/*', ...BROWSER_LIBRARIES.map((lib) => `!@shop/${lib}`)], message: browserOnlyMessage };
const nodeBuiltins = builtinModules.map((name) => ({ name, message: browserOnlyMessage }));
const noInfrastructureInside = {
  group: ['**/infrastructure/**', '../infrastructure', './infrastructure'],
  message: 'domain/ and application/ never import infrastructure/: the application declares a port (*.port.ts) and the module binds its implementation.',
};
const domainStandsAlone = {
  group: ['**/application/**', '@nestjs/*', 'typeorm', 'ioredis', 'kafkajs'],
  message: 'domain/ holds the rules alone: no application/, no framework, no I/O.',
};
const onlyLibraryIndex = {
  group: ['@shop/*/**', '**/libs/**', 'libs/**'],
  message: 'Import a library only through its index: @shop/<lib>.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.data/**', '.infra/**', 'deploy/kafka/lib/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [noReachingIntoApps, onlyLibraryIndex] }],
    },
  },
  // No import cycles: a reader can start from any file and read downwards. The resolver follows tsconfig.json's
  // paths, so a cycle through a library's index (@shop/<lib>) counts too.
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.js', '.json'],
          tsconfig: { configFile: fileURLToPath(new URL('./tsconfig.json', import.meta.url)) },
        }),
      ],
    },
    rules: { 'import-x/no-cycle': 'error' },
  },
  // Test support (@shop/testing: throwaway databases as the Postgres superuser) is for tests only: a service
  // that imported it would ship a superuser connection. A separate rule name, so that the area rules below
  // (apps, libs) keep their own no-restricted-imports settings.
  {
    files: ['**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'test/**', 'bench/**', '**/testing/**', 'libs/testing/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@shop/testing', '**/libs/testing/**', 'libs/testing/**'], message: 'Only tests import @shop/testing (test support, as the Postgres superuser).' }] },
      ],
    },
  },
  // Libraries: the same, and never the system tests' support.
  {
    files: ['libs/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noReachingIntoApps, onlyLibraryIndex, noSystemTestSupport] }] },
  },
  // Inside an app, its own relative imports are fine, but not a step out into a sibling app; and its layers
  // depend inwards (docs/architecture.md, "Layers"): domain/ and application/ never import infrastructure/ (the
  // application declares ports, the module binds them), and domain/ imports neither application/ nor a framework.
  ...appNames.flatMap((app) => {
    const appPatterns = [
      onlyLibraryIndex,
      noSystemTestSupport,
      { group: appNames.filter((a) => a !== app).flatMap((a) => [`**/${a}/src/**`, `../../${a}/**`]), message: 'Never import one app from another.' },
    ];
    const tests = ['**/*.spec.ts', '**/*.int-spec.ts'];
    return [
      {
        files: [`apps/${app}/**/*.ts`],
        rules: { 'no-restricted-imports': ['error', { ...(app === 'web' ? { paths: nodeBuiltins } : {}), patterns: app === 'web' ? [...appPatterns, browserSafe] : appPatterns }] },
      },
      {
        files: [`apps/${app}/src/application/**/*.ts`],
        ignores: tests,
        rules: { 'no-restricted-imports': ['error', { patterns: [...appPatterns, noInfrastructureInside] }] },
      },
      {
        files: [`apps/${app}/src/domain/**/*.ts`],
        ignores: tests,
        rules: { 'no-restricted-imports': ['error', { patterns: [...appPatterns, noInfrastructureInside, domainStandsAlone] }] },
      },
    ];
  }),
);
