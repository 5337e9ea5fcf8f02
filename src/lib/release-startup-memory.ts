/**
 * Gives back the memory that starting up left behind. Loading Herald's ES modules (Node's loader
 * re-reads large `exports` maps such as drizzle-orm's for every file it resolves) grows the JavaScript
 * heap to ~190 MB of which ~20 MB stays in use; V8 keeps the rest committed and an idle server never
 * allocates enough to make it shrink. One memory-reducing collection right after start returns it to
 * the system (measured by `npm run bench -- --only footprint`: ~160 MB less resident).
 *
 * `gc` is not exposed to JavaScript by default; the flag is set at run time (as Node's documentation
 * of `v8.setFlagsFromString` shows) and the function read from a fresh context, where V8 installs it.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

type Gc = (options?: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

export function releaseStartupMemory(): void {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as Gc | undefined;
    gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  } catch {
    // Only an optimisation: a runtime without `gc` keeps its memory.
  }
}
