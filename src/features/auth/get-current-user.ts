import { eq } from 'drizzle-orm';
import { users } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { type PublicUser, publicUserColumns } from './create-user.ts';
import type { MyWorkspace } from './create-workspace.ts';
import { listMyWorkspaces } from './list-my-workspaces.ts';

/** The caller and their workspaces: what the UI needs right after it loads. */
export async function getCurrentUser(
  deps: Deps,
  options: { userId: string },
): Promise<{ user: PublicUser; workspaces: MyWorkspace[] }> {
  const [user] = await deps.db.select(publicUserColumns).from(users).where(eq(users.id, options.userId));
  // The auth hook found this user a moment ago; gone now means deleted in between.
  if (!user) throw new AppError('unauthenticated', 'log in or send an API token');
  return { user, workspaces: await listMyWorkspaces(deps, options) };
}
