import { and, eq } from 'drizzle-orm';
import { media } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../errors.ts';
import type { MediaRow } from './store-media.ts';

export type UpdateMediaOptions = { workspaceId: string; mediaId: string; altText: string | null };

/** Changes what can change after upload: the alt text. The bytes never change under an id. */
export async function updateMedia(deps: Deps, options: UpdateMediaOptions): Promise<MediaRow> {
  const [row] = await deps.db
    .update(media)
    .set({ altText: options.altText })
    .where(and(eq(media.id, options.mediaId), eq(media.workspaceId, options.workspaceId)))
    .returning();
  if (!row) throw notFound('media');
  return row;
}
