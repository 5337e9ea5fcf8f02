import { eq, like, or } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { memberships, type Role, workspaces } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError, invalidField } from '../../errors.ts';
import { workspaceCreationRefusal } from '../instance/instance-settings.ts';
import { recordAudit } from './audit.ts';

/** A workspace as its members see it. */
export type MyWorkspace = { id: string; name: string; slug: string; role: Role };

export const WORKSPACE_NAME_MAX = 100;

/** `"Café Team!"` → `"cafe-team"`; names with no Latin letters or digits become `"workspace"`. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return slug || 'workspace';
}

/** The first of `base`, `base-2`, `base-3`, … not in `taken`. */
function firstFreeSlug(base: string, taken: Set<string>): string {
  let slug = base;
  for (let n = 2; taken.has(slug); n++) slug = `${base}-${n}`;
  return slug;
}

/**
 * Inserts a workspace with a unique slug and `ownerId` as its admin. Two workspaces created at once
 * with the same name may pick the same slug; the insert skips on conflict and picks again rather than
 * failing (a unique violation would abort the caller's transaction on PostgreSQL).
 */
export async function insertWorkspace(
  db: Queryable,
  options: { name: string; ownerId: string },
): Promise<MyWorkspace> {
  const name = options.name.trim();
  if (!name) throw invalidField('name', 'must not be empty');
  if (name.length > WORKSPACE_NAME_MAX) {
    throw invalidField('name', `must be at most ${WORKSPACE_NAME_MAX} characters`);
  }
  const base = slugify(name);
  for (let attempt = 0; ; attempt++) {
    const taken = await db
      .select({ slug: workspaces.slug })
      .from(workspaces)
      .where(or(eq(workspaces.slug, base), like(workspaces.slug, `${base}-%`)));
    const slug = firstFreeSlug(base, new Set(taken.map((row) => row.slug)));
    const [workspace] = await db
      .insert(workspaces)
      .values({ name, slug })
      .onConflictDoNothing({ target: workspaces.slug })
      .returning({ id: workspaces.id, name: workspaces.name, slug: workspaces.slug });
    if (workspace) {
      await db
        .insert(memberships)
        .values({ workspaceId: workspace.id, userId: options.ownerId, role: 'admin' });
      return { ...workspace, role: 'admin' };
    }
    if (attempt >= 10) throw new Error(`could not find a free slug for ${base} after ${attempt} attempts`);
  }
}

/**
 * Creates a workspace; the caller becomes its admin. Refused (`forbidden`) when the instance's
 * setting does not let this person create workspaces.
 */
export async function createWorkspace(
  deps: Deps,
  options: { name: string; ownerId: string },
): Promise<MyWorkspace> {
  const refusal = await workspaceCreationRefusal(deps, { userId: options.ownerId });
  if (refusal) throw new AppError('forbidden', refusal);
  return deps.db.transaction(async (tx) => {
    const workspace = await insertWorkspace(tx, options);
    await recordAudit(tx, {
      workspaceId: workspace.id,
      actorUserId: options.ownerId,
      action: 'workspace.create',
      entityType: 'workspace',
      entityId: workspace.id,
      data: { name: workspace.name, slug: workspace.slug },
      at: deps.clock.now(),
    });
    return workspace;
  });
}
