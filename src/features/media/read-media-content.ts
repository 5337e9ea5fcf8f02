import type { Deps } from '../../deps.ts';
import { notFound } from '../../errors.ts';
import type { MediaRow } from './store-media.ts';

export type MediaContent = { media: MediaRow; data: Uint8Array };

/** The stored bytes of a media row; a file missing from storage is "not found", not a crash. */
export async function readMediaContent(deps: Deps, row: MediaRow): Promise<MediaContent> {
  try {
    return { media: row, data: await deps.storage.get(row.storageKey) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      deps.log.error({ mediaId: row.id, storageKey: row.storageKey }, 'media file missing from storage');
      throw notFound('media content');
    }
    throw error;
  }
}
