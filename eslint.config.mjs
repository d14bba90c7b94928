// Lint: the architecture's import rules, enforced so that they cannot rot (docs/conventions.md, "Layout"):
// apps -> libs only; never app -> app, never lib -> app; a library is used only through its index (@shop/<lib>).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const appNames = ['gateway', 'order', 'inventory', 'payment', 'registry'];

const noReachingIntoApps = {
  group: ['**/apps/**', 'apps/**'],
  message: 'Never import from an app: apps import libs (@shop/<lib>), not each other.',
};
const noSystemTestSupport = {
  group: ['**/test/**'],
  message: "Code under apps/ and libs/ never imports test/ (the system tests' support); shared test helpers live in a library.",
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
  // Libraries: the same, and never the system tests' support.
  {
    files: ['libs/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noReachingIntoApps, onlyLibraryIndex, noSystemTestSupport] }] },
  },
  // Inside an app, its own relative imports are fine, but not a step out into a sibling app.
  ...appNames.map((app) => ({
    files: [`apps/${app}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            onlyLibraryIndex,
            noSystemTestSupport,
            { group: appNames.filter((a) => a !== app).flatMap((a) => [`**/${a}/src/**`, `../../${a}/**`]), message: 'Never import one app from another.' },
          ],
        },
      ],
    },
  })),
);
