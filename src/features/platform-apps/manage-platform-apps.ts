/**
 * Platform apps: the OAuth clients Herald connects accounts through (seed 000 `platform_auth_config`,
 * seed 003 `oauth_consoles`). Instance apps serve every workspace; a workspace may bring its own,
 * which then wins for that workspace. The client secret is encrypted and never shown again.
 */
import { and, count, desc, eq, isNull } from 'drizzle-orm';
import { connections, platformApps } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError, invalidField, notFound } from '../../errors.ts';
import { appValuesForServer, normalizeServerUrl, requireServer } from '../connections/server-app.ts';
import type { PlatformAppInput } from './platform-apps.schemas.ts';

type Scope = { workspaceId: string | null };

const view = (row: typeof platformApps.$inferSelect) => ({
  id: row.id,
  workspaceId: row.workspaceId,
  platform: row.platform,
  name: row.name,
  clientId: row.clientId,
  hasClientSecret: row.clientSecret !== null,
  scopes: row.scopes,
  baseUrl: row.baseUrl,
  isActive: row.isActive,
  createdAt: row.createdAt,
});

const inScope = (scope: Scope) =>
  scope.workspaceId ? eq(platformApps.workspaceId, scope.workspaceId) : isNull(platformApps.workspaceId);

export async function listPlatformApps(deps: Deps, scope: Scope) {
  const rows = await deps.db
    .select()
    .from(platformApps)
    .where(inScope(scope))
    .orderBy(desc(platformApps.createdAt));
  return rows.map(view);
}

export async function createPlatformApp(deps: Deps, options: Scope & { input: PlatformAppInput }) {
  const { input } = options;
  if (!deps.platforms.has(input.platform)) {
    throw invalidField(
      'platform',
      `unknown platform "${input.platform}"; known: ${deps.platforms
        .list()
        .map((p) => p.id)
        .join(', ')}`,
    );
  }
  const adapter = deps.platforms.get(input.platform);
  if (!input.clientId && adapter.auth !== 'credentials' && !adapter.registerApp) {
    throw invalidField('clientId', `${adapter.displayName} needs the client id of the app registered there`);
  }
  const baseUrl = input.baseUrl ? normalizeServerUrl(input.baseUrl, 'baseUrl') : null;
  requireServer(adapter, { baseUrl }, 'baseUrl');
  const values = input.clientId
    ? {
        platform: input.platform,
        clientId: input.clientId,
        clientSecret: input.clientSecret ? deps.secrets.encrypt(input.clientSecret) : null,
        scopes: input.scopes,
        baseUrl,
      }
    : await appValuesForServer(deps, { adapter, baseUrl, field: 'baseUrl' });
  const [row] = await deps.db
    .insert(platformApps)
    .values({ ...values, name: input.name, workspaceId: options.workspaceId })
    .returning();
  return view(row!);
}

export async function deletePlatformApp(deps: Deps, options: Scope & { id: string }) {
  const where = and(eq(platformApps.id, options.id), inScope(options));
  const [app] = await deps.db.select({ id: platformApps.id }).from(platformApps).where(where);
  if (!app) throw notFound('platform app');
  const [used] = await deps.db
    .select({ n: count() })
    .from(connections)
    .where(and(eq(connections.platformAppId, app.id), eq(connections.status, 'active')));
  if (used && used.n > 0) {
    throw new AppError('conflict', `${used.n} connected accounts use this app; disconnect them first`);
  }
  await deps.db.delete(platformApps).where(where);
}
