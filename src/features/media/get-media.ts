import { and, eq } from 'drizzle-orm';
import { media } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../errors.ts';
import type { MediaRow } from './store-media.ts';

export type GetMediaOptions = { workspaceId: string; mediaId: string };

/** One media item of the workspace; another workspace's id is "not found", like a missing one. */
export async function getMedia(deps: Deps, options: GetMediaOptions): Promise<MediaRow> {
  const [row] = await deps.db
    .select()
    .from(media)
    .where(and(eq(media.id, options.mediaId), eq(media.workspaceId, options.workspaceId)));
  if (!row) throw notFound('media');
  return row;
}
