// Builds the browser UI (apps/gateway/ui) into dist/apps/gateway/public, which the gateway serves at `/`.
// Everything is bundled here at build time (rspack + its built-in SWC loader): no CDN, no remote font, no
// framework fetched at run time, so the shop works offline.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rspack } from '@rspack/core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const uiDir = path.join(root, 'apps/gateway/ui');
const outDir = path.join(root, 'dist/apps/gateway/public');

const compiler = rspack({
  mode: 'production',
  context: uiDir,
  target: ['web', 'es2020'],
  entry: { app: './src/main.ts' },
  output: { path: outDir, filename: '[name].js', clean: false },
  // The UI may use a library written for it too (no Node APIs): @shop/http-retry, @shop/load (the console's traffic).
  resolve: { extensions: ['.ts', '.js'], alias: { '@shop/http-retry': path.join(root, 'libs/http-retry/src'), '@shop/load': path.join(root, 'libs/load/src') } },
  devtool: 'source-map',
  module: {
    rules: [
      {
        test: /\.ts$/,
        loader: 'builtin:swc-loader',
        options: { jsc: { parser: { syntax: 'typescript' }, target: 'es2020' } },
        type: 'javascript/auto',
      },
    ],
  },
  performance: { hints: false },
});

const stats = await new Promise((resolve, reject) =>
  compiler.run((err, result) => (err ? reject(err) : compiler.close(() => resolve(result)))),
);
if (stats.hasErrors()) {
  console.error(stats.toString({ colors: false, all: false, errors: true }));
  process.exit(1);
}
await mkdir(outDir, { recursive: true });
await copyFile(path.join(uiDir, 'index.html'), path.join(outDir, 'index.html'));
await copyFile(path.join(uiDir, 'app.css'), path.join(outDir, 'app.css'));
console.log(`ui built into ${path.relative(root, outDir)}`);
