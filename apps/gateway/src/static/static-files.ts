import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '@shop/common';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
/** A file name with a content hash (app.3f9a1c2e.js) never changes: cache it for a year. */
const HASHED = /[.-][0-9a-f]{8,}\./i;

/** The browser app's build output (`npm run build:ui` from apps/web), relative to the working directory. */
export const DEFAULT_PUBLIC_DIR = 'dist/apps/web/public';

/** GATEWAY_PUBLIC_DIR, else the default, when the directory exists (without it the gateway serves the API only). */
export function findPublicDir(explicit: string | undefined): string | undefined {
  const dir = resolve(explicit ?? DEFAULT_PUBLIC_DIR);
  return existsSync(dir) ? dir : undefined;
}

/**
 * Serves the browser app's built files (apps/web: the shop and the console) at / with their content types, ETag/Last-Modified revalidation, and
 * caching by kind: index.html always revalidated (it names the current assets), hashed assets immutable.
 * Unknown non-asset paths get index.html (client-side routes).
 */
export function registerStaticFiles(fastify: FastifyInstance, dir: string | undefined): void {
  fastify.get('/*', (request: FastifyRequest, reply: FastifyReply) => {
    const urlPath = decodeSafe(request.url.split('?')[0]!);
    if (dir === undefined || urlPath === undefined || urlPath.startsWith('/api/') || urlPath.startsWith('/gateway/')) {
      return reply.code(404).send(errorBody('not_found', `no such resource ${request.url.slice(0, 200)}`));
    }
    const relative = normalize(urlPath === '/' ? '/index.html' : urlPath);
    let file = join(dir, relative);
    if (!file.startsWith(dir + sep)) return reply.code(404).send(errorBody('not_found', 'no such file'));
    let stat = statOrUndefined(file);
    if (stat === undefined && extname(relative) === '') {
      file = join(dir, 'index.html');
      stat = statOrUndefined(file);
    }
    if (stat === undefined) return reply.code(404).send(errorBody('not_found', 'no such file'));
    const etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    const name = file.slice(dir.length + 1);
    reply
      .header('content-type', TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream')
      .header('etag', etag)
      .header('last-modified', stat.mtime.toUTCString())
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', name === 'index.html' ? 'no-cache' : HASHED.test(name) ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    reply.header('content-length', stat.size);
    return reply.send(createReadStream(file));
  });
}

function statOrUndefined(file: string): { size: number; mtimeMs: number; mtime: Date } | undefined {
  try {
    const s = statSync(file);
    return s.isFile() ? s : undefined;
  } catch {
    return undefined;
  }
}

function decodeSafe(path: string): string | undefined {
  try {
    const decoded = decodeURIComponent(path);
    return decoded.includes('\0') ? undefined : decoded;
  } catch {
    return undefined;
  }
}
