// Runs TypeScript outside jest (benchmarks, scripts): `node -r ./scripts/ts-register.js bench/x.bench.ts`.
// Transpiles .ts on require with SWC (no type check: `npm run typecheck` does that) using the same options as
// jest.config.js, and resolves `@shop/<lib>` to libs/<lib>/src as tsconfig.json's paths do.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

const root = path.resolve(__dirname, '..');
const libAlias = /^@shop\/([a-z-]+)$/;

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveShopAlias(request, parent, ...rest) {
  const match = libAlias.exec(request);
  const target = match ? path.join(root, 'libs', match[1], 'src') : request;
  return resolveFilename.call(this, target, parent, ...rest);
};

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, {
    filename,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
