/**
 * What the suites on real AT Protocol software (`@atproto/dev-env`) share: running its servers on
 * this machine, and calling a PDS's XRPC methods directly as another client would.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { registerHooks } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export type DevEnvHost = {
  /**
   * Runs `create` (which starts a dev-env network) with `TMPDIR` pointing at a scratch directory of
   * this host's, where the PDS keeps its SQLite files and blobs, and with `env` set; both are
   * restored afterwards.
   */
  start<T>(create: () => Promise<T>, env?: Record<string, string>): Promise<T>;
  /** Undoes what `hostDevEnv` changed and removes the scratch directory. */
  close(): Promise<void>;
};

/**
 * Makes dev-env's servers run here until `close`: better-sqlite3 (a V8 addon that can only be
 * compiled against this machine's Node 20 headers) is served by Node's built-in `node:sqlite`
 * through a resolve hook, servers that call `listen(port)`, which binds every interface, are bound
 * to 127.0.0.1, and their files go to a scratch directory removed at the end.
 */
export async function hostDevEnv(): Promise<DevEnvHost> {
  const shim = new URL('./better-sqlite3-shim.ts', import.meta.url).href;
  const hooks = registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === 'better-sqlite3')
        return { url: shim, format: 'module-typescript', shortCircuit: true };
      return nextResolve(specifier, context);
    },
  });
  const listen = net.Server.prototype.listen as (this: net.Server, ...args: unknown[]) => net.Server;
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    const portOnly = typeof args[0] === 'number' && (args.length === 1 || typeof args[1] === 'function');
    return portOnly ? listen.call(this, args[0], '127.0.0.1', ...args.slice(1)) : listen.apply(this, args);
  } as typeof net.Server.prototype.listen;
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'herald-dev-env-'));

  return {
    async start(create, env = {}) {
      const settings: Record<string, string> = { ...env, TMPDIR: scratch };
      const saved = Object.keys(settings).map((name) => [name, process.env[name]] as const);
      Object.assign(process.env, settings);
      try {
        return await create();
      } finally {
        for (const [name, value] of saved) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      }
    },
    async close() {
      net.Server.prototype.listen = listen as typeof net.Server.prototype.listen;
      hooks.deregister();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

/** One XRPC call to `serviceUrl`: a query (GET) without a body, a procedure (POST) with one. */
export async function xrpcCall(
  serviceUrl: string,
  nsid: string,
  options: { token?: string; body?: unknown; query?: Record<string, string> } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(`${serviceUrl}/xrpc/${nsid}`);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
  const response = await fetch(url, {
    method: options.body === undefined ? 'GET' : 'POST',
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.body === undefined ? null : JSON.stringify(options.body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
