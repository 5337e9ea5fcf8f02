/**
 * Instance-wide settings (one row, created by migration 0008) and the rule they set for who may
 * create workspaces.
 */
import { eq } from 'drizzle-orm';
import { instanceSettings, memberships, users, type WorkspaceCreatorPolicy } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';

export type InstanceSettings = { workspaceCreators: WorkspaceCreatorPolicy };

export async function getInstanceSettings(deps: Deps): Promise<InstanceSettings> {
  const [row] = await deps.db.select().from(instanceSettings).where(eq(instanceSettings.id, true));
  return { workspaceCreators: row?.workspaceCreators ?? 'admins_and_users' };
}

export async function updateInstanceSettings(
  deps: Deps,
  options: { actorIsInstanceAdmin: boolean; settings: Partial<InstanceSettings> },
): Promise<InstanceSettings> {
  if (!options.actorIsInstanceAdmin)
    throw new AppError('forbidden', 'only instance admins change instance settings');
  if (options.settings.workspaceCreators) {
    await deps.db
      .insert(instanceSettings)
      .values({ id: true, workspaceCreators: options.settings.workspaceCreators })
      .onConflictDoUpdate({
        target: instanceSettings.id,
        set: { workspaceCreators: options.settings.workspaceCreators, updatedAt: deps.clock.now() },
      });
  }
  return getInstanceSettings(deps);
}

/**
 * Whether a user may create a workspace, and why not. Decided from the policy, whether the user is
 * an instance admin, and their roles: under `admins_and_users` a person who is only ever a viewer
 * may not (a viewer must not make themselves an admin somewhere by creating a workspace).
 */
export function decideWorkspaceCreation(options: {
  policy: WorkspaceCreatorPolicy;
  isInstanceAdmin: boolean;
  roles: string[];
}): string | null {
  if (options.isInstanceAdmin || options.policy === 'everyone') return null;
  if (options.policy === 'instance_admins')
    return 'only instance admins may create workspaces on this Herald';
  if (options.roles.length > 0 && options.roles.every((role) => role === 'viewer')) {
    return 'viewers may not create workspaces on this Herald; ask an instance admin';
  }
  return null;
}

/** Why `userId` may not create a workspace, or null when they may. */
export async function workspaceCreationRefusal(
  deps: Deps,
  options: { userId: string },
): Promise<string | null> {
  const [user] = await deps.db
    .select({ isInstanceAdmin: users.isInstanceAdmin })
    .from(users)
    .where(eq(users.id, options.userId));
  const roles = await deps.db
    .select({ role: memberships.role })
    .from(memberships)
    .where(eq(memberships.userId, options.userId));
  const { workspaceCreators } = await getInstanceSettings(deps);
  return decideWorkspaceCreation({
    policy: workspaceCreators,
    isInstanceAdmin: user?.isInstanceAdmin ?? false,
    roles: roles.map((r) => r.role),
  });
}
