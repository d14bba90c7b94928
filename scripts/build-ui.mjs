// Builds the browser app (apps/web: the shop and the operations console) into dist/apps/web/public, which the
// gateway serves at `/` (GATEWAY_PUBLIC_DIR; docs/architecture.md says why the gateway serves the files).
// Everything is bundled here at build time (rspack + its built-in SWC loader): no CDN, no remote font, no
// framework fetched at run time, so the shop works offline.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rspack } from '@rspack/core';
import { BROWSER_LIBRARIES } from './browser-libraries.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const uiDir = path.join(root, 'apps/web');
const outDir = path.join(root, 'dist/apps/web/public');
// The only @shop/* the bundle can resolve: an import of any other library (server code) fails the build with
// "Can't resolve", and so does a Node.js built-in (target web).

const compiler = rspack({
  mode: 'production',
  context: uiDir,
  target: ['web', 'es2020'],
  entry: { app: './src/main.ts' },
  output: { path: outDir, filename: '[name].js', clean: false },
  resolve: {
    extensions: ['.ts', '.js'],
    alias: Object.fromEntries(BROWSER_LIBRARIES.map((lib) => [`@shop/${lib}`, path.join(root, 'libs', lib, 'src')])),
  },
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
