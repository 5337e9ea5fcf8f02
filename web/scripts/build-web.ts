/**
 * Builds the web app into web/dist with Vite.
 *
 *   node web/scripts/build-web.ts             build now
 *   node web/scripts/build-web.ts --if-stale  build only when web/dist is missing or older than its
 *                                            sources (what `npm start` runs first)
 *
 * The build goes to a fresh folder that replaces web/dist only once complete, under a lock, so a
 * server reading web/dist or a second build started at the same time (parallel test files) never sees
 * a half-written app.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = fileURLToPath(new URL('..', import.meta.url));
const repoDir = path.dirname(webDir);
const distDir = path.join(webDir, 'dist');
// Staging and lock live in node_modules/.cache: on the same file system as web/dist (so the final
// rename is atomic) and already ignored by git.
const cacheDir = path.join(repoDir, 'node_modules', '.cache', 'herald-web');
const lockDir = path.join(cacheDir, 'build.lock');
const STALE_LOCK_MS = 5 * 60_000;

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) {
    // Tests and generated-type scripts do not change what the browser gets.
    if (entry.endsWith('.test.ts')) continue;
    newest = Math.max(newest, newestMtime(path.join(target, entry)));
  }
  return newest;
}

/** Whether web/dist is missing or older than anything it is built from. */
export function isWebBuildStale(): boolean {
  const built = path.join(distDir, 'index.html');
  if (!existsSync(built)) return true;
  const sources = Math.max(
    newestMtime(path.join(webDir, 'src')),
    newestMtime(path.join(webDir, 'index.html')),
    newestMtime(path.join(webDir, 'vite.config.ts')),
    newestMtime(path.join(repoDir, 'package-lock.json')),
  );
  return sources > statSync(built).mtimeMs;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function acquireLock(): () => void {
  for (;;) {
    try {
      mkdirSync(cacheDir, { recursive: true });
      mkdirSync(lockDir);
      return () => rmSync(lockDir, { recursive: true, force: true });
    } catch {
      try {
        if (Date.now() - statSync(lockDir).mtimeMs > STALE_LOCK_MS)
          rmSync(lockDir, { recursive: true, force: true });
      } catch {}
      sleep(250);
    }
  }
}

/**
 * Builds web/dist (when stale, with `ifStale`). Throws with Vite's output when the build fails.
 * Returns whether it built.
 */
export function buildWeb(options: { ifStale?: boolean; quiet?: boolean } = {}): boolean {
  if (options.ifStale && !isWebBuildStale()) return false;
  const viteBin = path.join(repoDir, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(viteBin)) {
    if (existsSync(path.join(distDir, 'index.html'))) return false;
    throw new Error(
      'web/dist is missing and Vite is not installed: run `npm ci` (with dev dependencies) first',
    );
  }
  const release = acquireLock();
  try {
    // Someone else may have built it while this process waited for the lock.
    if (options.ifStale && !isWebBuildStale()) return false;
    const outDir = path.join(cacheDir, `dist-${process.pid}-${Date.now()}`);
    const started = Date.now();
    const result = spawnSync(
      process.execPath,
      [
        viteBin,
        'build',
        '--config',
        path.join(webDir, 'vite.config.ts'),
        '--logLevel',
        options.quiet ? 'error' : 'warn',
      ],
      {
        cwd: repoDir,
        stdio: options.quiet ? 'pipe' : 'inherit',
        encoding: 'utf8',
        env: { ...process.env, NODE_ENV: 'production', HERALD_WEB_OUT_DIR: outDir },
      },
    );
    if (result.status !== 0) {
      rmSync(outDir, { recursive: true, force: true });
      throw new Error(`building the web app failed:\n${result.stdout ?? ''}${result.stderr ?? ''}`);
    }
    const old = path.join(cacheDir, `old-${process.pid}-${Date.now()}`);
    if (existsSync(distDir)) renameSync(distDir, old);
    renameSync(outDir, distDir);
    rmSync(old, { recursive: true, force: true });
    if (!options.quiet)
      console.log(`built the web app into web/dist in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return true;
  } finally {
    release();
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    buildWeb({ ifStale: process.argv.includes('--if-stale') });
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
