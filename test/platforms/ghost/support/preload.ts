/**
 * Loaded with `--import` into the Ghost child process of `real-ghost.test.ts`: Ghost's database
 * driver, better-sqlite3, is a V8 addon this machine can only compile for Node 20, so it is served
 * by the `node:sqlite` shim instead.
 */
import { registerHooks } from 'node:module';

const shim = new URL('../../bluesky/support/better-sqlite3-shim.ts', import.meta.url).href;

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === 'better-sqlite3') return { url: shim, format: 'module-typescript', shortCircuit: true };
    return nextResolve(specifier, context);
  },
});
