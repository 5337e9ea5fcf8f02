import { and, asc, eq } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { memberships, type Role, users } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';

/** A workspace member as the members list shows them. */
export type Member = { userId: string; email: string; name: string; role: Role; createdAt: Date };

const memberColumns = {
  userId: memberships.userId,
  email: users.email,
  name: users.name,
  role: memberships.role,
  createdAt: memberships.createdAt,
};

/** One member of a workspace, or undefined when the user is not one. */
export async function findMember(
  db: Queryable,
  options: { workspaceId: string; userId: string },
): Promise<Member | undefined> {
  const [member] = await db
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.workspaceId, options.workspaceId), eq(memberships.userId, options.userId)));
  return member;
}

/** The members of a workspace, in the order they joined. */
export async function listMembers(deps: Deps, options: { workspaceId: string }): Promise<Member[]> {
  return deps.db
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.workspaceId, options.workspaceId))
    .orderBy(asc(memberships.createdAt), asc(users.email));
}
