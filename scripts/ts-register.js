// Runs TypeScript outside jest (benchmarks, scripts): `node -r ./scripts/ts-register.js bench/x.bench.ts`.
// Transpiles .ts on require with SWC (no type check: `npm run typecheck` does that) using the options jest.config.js
// uses too (scripts/swc-options.js), and resolves `@shop/<lib>` to libs/<lib>/src as tsconfig.json's paths do.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { transformSync } = require('@swc/core');
const { swcOptions, SHOP_LIB_ALIAS } = require('./swc-options');

const root = path.resolve(__dirname, '..');
const libAlias = new RegExp(SHOP_LIB_ALIAS);

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveShopAlias(request, parent, ...rest) {
  const match = libAlias.exec(request);
  const target = match ? path.join(root, 'libs', match[1], 'src') : request;
  return resolveFilename.call(this, target, parent, ...rest);
};

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, { filename, ...swcOptions });
  module._compile(code, filename);
};
