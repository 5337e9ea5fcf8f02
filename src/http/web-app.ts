/**
 * Serves the built web app (`web/dist`) at `/`. Files that exist are sent as they are — hashed assets
 * under `/assets/` cached for a year, everything else revalidated — and any other path that is not the
 * API's, the sandbox's or media's gets `index.html`, so the app's own router handles deep links and
 * reloads. When the app has not been built, `/` says how to build it instead of a bare 404.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import type { Deps } from '../deps.ts';
import type { Routes } from './plugin.ts';

/** Where `npm run build:web` writes the app. */
export const defaultWebDistDir = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Paths that belong to the server, never to the web app's router. */
const SERVER_PREFIXES = ['/api/', '/sandbox', '/media/'];

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** Types worth compressing: text. Images and fonts are compressed already. */
const COMPRESSIBLE = new Set([
  '.html',
  '.js',
  '.mjs',
  '.css',
  '.json',
  '.svg',
  '.txt',
  '.map',
  '.webmanifest',
]);

type Encoding = 'br' | 'gzip';

/** The encoding to answer with, from the request's Accept-Encoding (brotli preferred). */
export function pickEncoding(acceptEncoding: string | undefined): Encoding | null {
  const offered = (acceptEncoding ?? '')
    .split(',')
    .map((part) => part.trim().split(';'))
    .filter(([, q]) => !q || !/^q=0(\.0*)?$/.test(q.trim()))
    .map(([name]) => name!.trim().toLowerCase());
  if (offered.includes('br')) return 'br';
  if (offered.includes('gzip')) return 'gzip';
  return null;
}

/**
 * Compressed copies of the built files, made once per file version (path, size and mtime): the
 * assets never change under their hashed names, and compressing on every request would cost CPU
 * the publisher needs.
 */
const compressedCache = new Map<string, Buffer>();

function compressedFile(file: string, encoding: Encoding): Buffer {
  const stat = statSync(file);
  const key = `${encoding}:${file}:${stat.size}:${stat.mtimeMs}`;
  let body = compressedCache.get(key);
  if (!body) {
    const raw = readFileSync(file);
    body =
      encoding === 'br'
        ? brotliCompressSync(raw, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } })
        : gzipSync(raw, { level: 6 });
    compressedCache.set(key, body);
  }
  return body;
}

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Herald: web app not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#111827}
code{background:#f2f4f7;padding:.1em .35em;border-radius:4px}</style></head>
<body><h1>Herald is running, but its web app is not built</h1>
<p>Build it with <code>npm run build:web</code> (or start Herald with <code>npm start</code>, which builds it
when needed), then reload this page.</p>
<p>The API is available meanwhile: see <a href="/api/docs">/api/docs</a>.</p></body></html>`;

/** Resolves a URL path to a file inside `root`, refusing anything that would step outside it. */
function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const file = path.resolve(root, `.${path.posix.normalize(`/${decoded}`)}`);
  return file === root || file.startsWith(root + path.sep) ? file : null;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The web app's routes: register last in `buildApp`, so every API route is matched before the
 * catch-all. `distDir` defaults to `web/dist` next to the sources.
 */
export function webAppRoutes(_deps: Deps, options: { distDir?: string } = {}): Routes {
  const root = path.resolve(options.distDir ?? defaultWebDistDir);
  const indexFile = path.join(root, 'index.html');
  return async (app) => {
    app.route({
      method: ['GET', 'HEAD'],
      url: '/*',
      schema: { hide: true },
      handler: async (request, reply) => {
        const urlPath = request.url.split('?')[0] ?? '/';
        if (SERVER_PREFIXES.some((prefix) => urlPath.startsWith(prefix)) || urlPath === '/api') {
          return reply.callNotFound();
        }
        if (!existsSync(indexFile)) {
          return reply
            .status(503)
            .type('text/html; charset=utf-8')
            .header('cache-control', 'no-store')
            .send(notBuiltPage);
        }
        const file = resolveInside(root, urlPath);
        if (file && file !== indexFile && isFile(file)) {
          const immutable = urlPath.startsWith('/assets/');
          const extension = path.extname(file).toLowerCase();
          reply
            .type(contentTypes[extension] ?? 'application/octet-stream')
            .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
            .header('x-content-type-options', 'nosniff');
          if (COMPRESSIBLE.has(extension)) {
            reply.header('vary', 'Accept-Encoding');
            const encoding = pickEncoding(request.headers['accept-encoding']);
            if (encoding)
              return reply.header('content-encoding', encoding).send(compressedFile(file, encoding));
          }
          return reply.send(createReadStream(file));
        }
        // A missing asset is a real 404; sending the page instead would hide a broken build.
        if (urlPath.startsWith('/assets/') || /\.[a-z0-9]{1,8}$/i.test(urlPath)) {
          return reply.callNotFound();
        }
        return reply
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-cache')
          .header('x-content-type-options', 'nosniff')
          .header('x-frame-options', 'DENY')
          .header('referrer-policy', 'same-origin')
          .send(createReadStream(indexFile));
      },
    });
  };
}
