/**
 * Platform apps for one server of a platform that runs on many (a Mastodon instance, a Ghost site,
 * an AT Protocol PDS). Connecting an account on a server Herald has no app for yet creates one for
 * the workspace: by registering Herald there when the platform allows it (Mastodon), or as a plain
 * address when the platform signs in with a form (Ghost, Bluesky).
 */
import { and, eq, isNull } from 'drizzle-orm';
import { platformApps } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError, invalidField } from '../../errors.ts';
import { type PlatformAdapter, PlatformError } from '../../platforms/types.ts';
import { oauthRedirectUri, usableApps, workspaceAppsFirst } from './find-platform-app.ts';

type AppRow = typeof platformApps.$inferSelect;

/**
 * Whether every app of the platform must name its server: each server is its own platform (Mastodon,
 * which registers Herald per instance) or the sign-in form requires an address (Ghost). Such an app
 * without a `baseUrl` could never connect anything.
 */
export function needsServer(adapter: PlatformAdapter): boolean {
  if (adapter.auth === 'credentials') return adapter.credentialFields.some((f) => f.serverUrl && f.required);
  return adapter.registerApp !== undefined;
}

/** Refuses an app (being created, or about to be used) that lacks the server its platform needs. */
export function requireServer(
  adapter: PlatformAdapter,
  app: { baseUrl: string | null; name?: string },
  field: string,
): void {
  if (app.baseUrl || !needsServer(adapter)) return;
  const which = app.name ? `the platform app "${app.name}"` : `a ${adapter.displayName} platform app`;
  throw invalidField(field, `${which} has no server address (baseUrl): ${adapter.displayName} needs one`);
}

/** `https://Example.social/` → `https://example.social`; anything but a plain http(s) address is refused. */
export function normalizeServerUrl(value: string, field: string): string {
  const trimmed = value.trim();
  const url = URL.canParse(trimmed)
    ? new URL(trimmed)
    : URL.canParse(`https://${trimmed}`)
      ? new URL(`https://${trimmed}`)
      : null;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname) {
    throw invalidField(field, 'must be a web address such as https://example.social');
  }
  if (url.username || url.password) throw invalidField(field, 'must not contain a user name or password');
  if (url.search || url.hash) throw invalidField(field, 'must not contain a query or a fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The active app for `baseUrl` (null: the platform's own server) that the workspace may use, its own first. */
export async function findServerApp(
  deps: Deps,
  options: { workspaceId: string; platform: string; baseUrl: string | null },
): Promise<AppRow | null> {
  const [app] = await deps.db
    .select()
    .from(platformApps)
    .where(
      and(
        usableApps(options),
        options.baseUrl === null ? isNull(platformApps.baseUrl) : eq(platformApps.baseUrl, options.baseUrl),
      ),
    )
    .orderBy(...workspaceAppsFirst)
    .limit(1);
  return app ?? null;
}

/**
 * What a new app for a server holds: for sign-in platforms only the address; for self-registering
 * OAuth platforms the client Herald just registered there. Throws, naming `field`, when neither applies.
 */
export async function appValuesForServer(
  deps: Deps,
  options: { adapter: PlatformAdapter; baseUrl: string | null; field: string },
) {
  const { adapter, baseUrl } = options;
  const name = baseUrl ? new URL(baseUrl).host : adapter.displayName;
  if (adapter.auth === 'credentials') {
    const server = adapter.credentialFields.find((f) => f.serverUrl);
    if (!baseUrl && server?.required) throw invalidField(options.field, `${server.label} is required`);
    return {
      platform: adapter.id,
      name,
      clientId: null,
      clientSecret: null,
      baseUrl,
      scopes: [],
      settings: {},
    };
  }
  if (!adapter.registerApp) {
    throw new AppError(
      'conflict',
      `no ${adapter.displayName} app is configured: an admin must register the platform's OAuth client first`,
    );
  }
  if (!baseUrl) throw invalidField(options.field, `the ${adapter.displayName} server's address is required`);
  const redirectUri = oauthRedirectUri(deps);
  try {
    const registered = await adapter.registerApp({
      fetch: deps.fetch,
      baseUrl,
      redirectUri,
      signal: AbortSignal.timeout(30_000),
      now: () => deps.clock.now(),
    });
    return {
      platform: adapter.id,
      name,
      clientId: registered.clientId,
      clientSecret: deps.secrets.encrypt(registered.clientSecret),
      baseUrl,
      scopes: registered.scopes,
      settings: { ...registered.settings, redirectUri },
    };
  } catch (error) {
    if (error instanceof PlatformError) {
      throw invalidField(options.field, `${baseUrl} did not register Herald: ${error.message}`);
    }
    throw error;
  }
}

/** The app for the server at `baseUrl`, created for the workspace when there is none yet. */
export async function serverApp(
  deps: Deps,
  options: { workspaceId: string; adapter: PlatformAdapter; baseUrl: string | null; field: string },
): Promise<AppRow> {
  const existing = await findServerApp(deps, { ...options, platform: options.adapter.id });
  return existing ?? addServerApp(deps, { ...options, values: await appValuesForServer(deps, options) });
}

export async function addServerApp(
  deps: Deps,
  options: { workspaceId: string; values: Awaited<ReturnType<typeof appValuesForServer>> },
): Promise<AppRow> {
  const [row] = await deps.db
    .insert(platformApps)
    .values({ ...options.values, workspaceId: options.workspaceId })
    .returning();
  deps.log.info(
    { platform: row!.platform, baseUrl: row!.baseUrl, appId: row!.id },
    'added a platform app for a server',
  );
  return row!;
}
