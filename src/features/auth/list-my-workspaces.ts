import { asc, eq } from 'drizzle-orm';
import { memberships, workspaces } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import type { MyWorkspace } from './create-workspace.ts';

/** The workspaces a user is a member of, with their role in each, oldest first. */
export async function listMyWorkspaces(deps: Deps, options: { userId: string }): Promise<MyWorkspace[]> {
  return deps.db
    .select({ id: workspaces.id, name: workspaces.name, slug: workspaces.slug, role: memberships.role })
    .from(memberships)
    .innerJoin(workspaces, eq(workspaces.id, memberships.workspaceId))
    .where(eq(memberships.userId, options.userId))
    .orderBy(asc(workspaces.createdAt), asc(workspaces.id));
}
