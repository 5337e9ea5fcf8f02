import type { media } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import type { MediaItem } from '../../platforms/types.ts';
import { publicMediaUrl } from './media-signature.ts';

/** A stored media row as adapters see it: metadata, a reader for its bytes, and its public URL. */
export function toMediaItem(
  deps: Pick<Deps, 'storage' | 'config'>,
  row: typeof media.$inferSelect,
): MediaItem {
  return {
    id: row.id,
    kind: row.kind,
    mimeType: row.mimeType,
    sizeBytes: row.sizeBytes,
    altText: row.altText,
    width: row.width,
    height: row.height,
    durationSeconds: row.durationSeconds,
    read: () => deps.storage.get(row.storageKey),
    publicUrl: publicMediaUrl(deps, row.id),
  };
}
