import { eq } from 'drizzle-orm';
import { workspaces } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../errors.ts';

export type WorkspaceRef = { id: string; name: string; slug: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A workspace named by its id or its slug, as people type it on the command line. Slugs are
 * lower-case (see `slugify`) and never look like a UUID, so the two cannot be confused.
 */
export async function findWorkspace(deps: Deps, options: { idOrSlug: string }): Promise<WorkspaceRef> {
  const ref = options.idOrSlug.trim();
  const [workspace] = await deps.db
    .select({ id: workspaces.id, name: workspaces.name, slug: workspaces.slug })
    .from(workspaces)
    .where(UUID.test(ref) ? eq(workspaces.id, ref.toLowerCase()) : eq(workspaces.slug, ref.toLowerCase()));
  if (!workspace) throw notFound(`workspace "${ref}"`);
  return workspace;
}
