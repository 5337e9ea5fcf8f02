/**
 * A workspace always keeps at least one admin. Demotions and removals check that inside a
 * transaction holding the workspace row's lock, so two admins demoting each other at once cannot
 * both succeed: the second waits for the first and then counts one admin.
 */
import { and, count, eq, ne } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { memberships, workspaces } from '../../db/schema.ts';
import { AppError, notFound } from '../../errors.ts';

/** Locks the workspace against concurrent membership changes until the transaction ends. */
export async function lockWorkspace(tx: Tx, workspaceId: string): Promise<void> {
  const [row] = await tx
    .select({ id: workspaces.id })
    .from(workspaces)
    .where(eq(workspaces.id, workspaceId))
    .for('update');
  if (!row) throw notFound('workspace');
}

/** Throws `conflict` unless the workspace has an admin other than `userId`. */
export async function ensureAnotherAdmin(
  tx: Tx,
  options: { workspaceId: string; userId: string; doing: string },
): Promise<void> {
  const [row] = await tx
    .select({ admins: count() })
    .from(memberships)
    .where(
      and(
        eq(memberships.workspaceId, options.workspaceId),
        eq(memberships.role, 'admin'),
        ne(memberships.userId, options.userId),
      ),
    );
  if (!row?.admins) {
    throw new AppError(
      'conflict',
      `cannot ${options.doing} the last admin of the workspace; make someone else admin first`,
    );
  }
}
