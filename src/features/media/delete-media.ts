import { and, eq, sql } from 'drizzle-orm';
import { rowsOf } from '../../db/client.ts';
import { media, postMedia } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError, notFound } from '../../errors.ts';
import { lockStorageKey } from './store-media.ts';

export type DeleteMediaOptions = { workspaceId: string; mediaId: string };

/** Post statuses whose media may still be sent to a platform. */
const pendingPostStatuses = ['draft', 'scheduled', 'publishing'];
/** Target statuses that may still publish (a target's media override can name media too). */
const pendingTargetStatuses = ['draft', 'scheduled', 'publishing', 'retrying', 'deferred', 'waiting_reauth'];

/**
 * Deletes a media item and, when no other item of the workspace shares its bytes, the stored file.
 *
 * Refused (conflict) while a post that may still publish uses it. Posts that are finished (published,
 * failed, cancelled) lose the attachment: `post_media` rows referencing the item are removed with it.
 */
export async function deleteMedia(deps: Deps, options: DeleteMediaOptions): Promise<void> {
  const { workspaceId, mediaId } = options;
  await deps.db.transaction(async (tx) => {
    // FOR UPDATE conflicts with the KEY SHARE lock that inserting a post_media row takes on the media
    // row, so no post can attach this item between the check below and the delete.
    const [row] = await tx
      .select({ id: media.id, storageKey: media.storageKey })
      .from(media)
      .where(and(eq(media.id, mediaId), eq(media.workspaceId, workspaceId)))
      .for('update');
    if (!row) throw notFound('media');

    const users = rowsOf<{ post_id: string }>(
      await tx.execute(sql`
        select pm.post_id from post_media pm join posts p on p.id = pm.post_id
         where pm.media_id = ${mediaId}
           and p.status in (${sql.join(
             pendingPostStatuses.map((s) => sql`${s}`),
             sql`, `,
           )})
        union
        select t.post_id from post_targets t
         where t.workspace_id = ${workspaceId}
           and t.status in (${sql.join(
             pendingTargetStatuses.map((s) => sql`${s}`),
             sql`, `,
           )})
           and t.media_override @> jsonb_build_array(${mediaId}::text)
        limit 20`),
    );
    if (users.length) {
      throw new AppError(
        'conflict',
        'this media is used by a post that is not published yet; remove it from the post first',
        { postIds: users.map((u) => u.post_id) },
      );
    }

    await tx.delete(postMedia).where(eq(postMedia.mediaId, mediaId));
    await tx.delete(media).where(eq(media.id, mediaId));
    await lockStorageKey(tx, row.storageKey);
    const [sharer] = await tx
      .select({ id: media.id })
      .from(media)
      .where(and(eq(media.workspaceId, workspaceId), eq(media.storageKey, row.storageKey)))
      .limit(1);
    // Inside the transaction, under the storage-key lock: an upload of the same bytes waits for the
    // commit and then writes the file again (see store-media.ts).
    if (!sharer) await deps.storage.remove(row.storageKey);
  });
}
