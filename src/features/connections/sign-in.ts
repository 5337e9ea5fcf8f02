/**
 * Connecting an account on a platform that signs in with a form (Bluesky app passwords, Ghost Admin
 * API keys): checks the form against the adapter's fields, finds or adds the app for the server the
 * form names, signs in, and stores the account like an OAuth callback would.
 */
import { and, eq } from 'drizzle-orm';
import { connections, platformApps } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError, invalidField, notFound } from '../../errors.ts';
import { type CredentialsAdapter, PlatformError } from '../../platforms/types.ts';
import { adapterContext } from './credentials.ts';
import { saveConnection, WrongAccount } from './save-connection.ts';
import { addServerApp, appValuesForServer, findServerApp, normalizeServerUrl } from './server-app.ts';

export async function signIn(
  deps: Deps,
  options: {
    workspaceId: string;
    userId: string;
    platform: string;
    values: Record<string, string>;
    /** Sign in again to this connection (same account) instead of adding one. */
    connectionId?: string | undefined;
  },
): Promise<{ connectionId: string }> {
  const reconnecting = options.connectionId ? await findConnection(deps, options) : null;
  const adapter = deps.platforms.get(reconnecting?.platform ?? options.platform);
  if (adapter.auth !== 'credentials') {
    throw new AppError(
      'invalid',
      `${adapter.displayName} connects on its own authorization page: use the connect route, not a sign-in form`,
    );
  }
  const values = checkValues(adapter, options.values);
  const serverField = adapter.credentialFields.find((f) => f.serverUrl);
  const typed = serverField ? values[serverField.name] : undefined;
  // A server Herald has no app for gets one only once a sign-in there has worked.
  const baseUrl = typed === undefined ? null : normalizeServerUrl(typed, `values.${serverField!.name}`);
  const known =
    reconnecting?.app && typed === undefined
      ? reconnecting.app
      : await findServerApp(deps, { workspaceId: options.workspaceId, platform: adapter.id, baseUrl });
  const newApp = known
    ? null
    : await appValuesForServer(deps, { adapter, baseUrl, field: `values.${serverField?.name ?? 'server'}` });
  if (serverField) delete values[serverField.name];

  const app = known ?? newApp!;
  const ctx = adapterContext(deps, app, AbortSignal.timeout(30_000));
  try {
    const tokens = await adapter.signIn(ctx, values);
    const platformAppId =
      known?.id ?? (await addServerApp(deps, { workspaceId: options.workspaceId, values: newApp! })).id;
    return await saveConnection(deps, {
      workspaceId: options.workspaceId,
      userId: options.userId,
      adapter,
      ctx,
      platformAppId,
      tokens,
      reconnectId: options.connectionId ?? null,
    });
  } catch (error) {
    if (error instanceof WrongAccount) throw new AppError('invalid', error.message);
    if (error instanceof PlatformError && error.kind === 'transient' && error.status === null) {
      // Nothing answered: at sign-in that is nearly always a mistyped address.
      throw invalidField(
        `values.${serverField?.name ?? 'server'}`,
        `could not reach ${app.baseUrl ?? adapter.displayName} (${error.message}); check the address`,
      );
    }
    if (error instanceof PlatformError) {
      const because =
        error.kind === 'auth'
          ? 'check what you typed and that the key or password is still valid'
          : error.kind === 'transient' || error.kind === 'rate_limited'
            ? 'try again in a moment'
            : null;
      throw new AppError(
        error.kind === 'transient'
          ? 'unavailable'
          : error.kind === 'rate_limited'
            ? 'rate_limited'
            : 'invalid',
        `${adapter.displayName} refused the sign-in: ${error.message}${because ? ` (${because})` : ''}`,
      );
    }
    throw error;
  }
}

/** Trimmed values for the adapter's fields; a missing required one is named in the error. */
function checkValues(adapter: CredentialsAdapter, given: Record<string, string>): Record<string, string> {
  const known = new Set(adapter.credentialFields.map((f) => f.name));
  const unknown = Object.keys(given).find((name) => !known.has(name));
  if (unknown) {
    throw invalidField(
      `values.${unknown}`,
      `${adapter.displayName} does not ask for "${unknown}"; it asks for ${[...known].join(', ')}`,
    );
  }
  const values: Record<string, string> = {};
  for (const field of adapter.credentialFields) {
    const value = given[field.name]?.trim() ?? '';
    if (value) values[field.name] = value;
    else if (field.required) throw invalidField(`values.${field.name}`, `${field.label} is required`);
  }
  return values;
}

async function findConnection(
  deps: Deps,
  options: { workspaceId: string; connectionId?: string | undefined },
) {
  const [row] = await deps.db
    .select({ platform: connections.platform, app: platformApps })
    .from(connections)
    .leftJoin(platformApps, eq(platformApps.id, connections.platformAppId))
    .where(and(eq(connections.id, options.connectionId!), eq(connections.workspaceId, options.workspaceId)));
  if (!row) throw notFound('connection');
  return row;
}
