/**
 * How a data command reaches Herald: the same `createDeps` as the server, with no workers, closed
 * when the command is done. Logs go to stderr so `--json` output on stdout stays parseable.
 */
import { loadConfig } from '../config.ts';
import { DataDirLockedError } from '../db/data-dir-lock.ts';
import { createDeps, type Deps } from '../deps.ts';
import { createLog } from '../lib/log.ts';

export async function withDeps<T>(run: (deps: Deps) => Promise<T>): Promise<T> {
  const config = loadConfig();
  let deps: Deps;
  try {
    deps = await createDeps(config, {
      log: createLog({ level: config.logLevel, format: config.logFormat, destination: process.stderr }),
    });
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      throw new DataDirLockedError(
        `${error.message}\nThe herald CLI opens the embedded database itself, so it cannot run while ` +
          '`herald start` runs on the same data dir: stop it first, or use the HTTP API meanwhile.',
      );
    }
    throw error;
  }
  try {
    return await run(deps);
  } finally {
    await deps.close();
  }
}
