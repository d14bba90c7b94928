// How TypeScript runs without a build, shared by jest.config.js (the tests) and scripts/ts-register.js (benches,
// scripts, apps started from source by the tests): SWC's transpile options (no type check: `npm run typecheck`
// does that), and the `@shop/<lib>` alias of tsconfig.json's paths.
'use strict';

const swcOptions = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

/** `@shop/<lib>` is libs/<lib>/src. */
const SHOP_LIB_ALIAS = '^@shop/([a-z-]+)$';

module.exports = { swcOptions, SHOP_LIB_ALIAS };
