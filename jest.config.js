// Three projects, one per kind of test (docs/conventions.md, "Tests"):
//   unit        *.spec.ts beside the code: pure logic, no servers
//   integration *.int-spec.ts: real Postgres, Redis and Kafka on 127.0.0.1
//   e2e         test/**/*.e2e-spec.ts: the running system, started by the test itself
// Sources are transpiled by SWC (fast on two cores), with the options scripts/ts-register.js uses too;
// `npm run typecheck` runs the strict type check.
const { swcOptions, SHOP_LIB_ALIAS } = require('./scripts/swc-options');

const swc = ['@swc/jest', swcOptions];
const shared = {
  // NestJS 12 ships ES modules only, and jest's CommonJS runtime cannot require them on Node 20: SWC turns
  // @nestjs/* into CommonJS like our own sources.
  transform: { '^.+\\.(ts|js|mjs)$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|jose)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: { [SHOP_LIB_ALIAS]: '<rootDir>/libs/$1/src' },
  testEnvironment: 'node',
  rootDir: __dirname,
};
module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,deploy,scripts}/**/*.spec.ts'] },
    { ...shared, displayName: 'integration', testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts'] },
    { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
