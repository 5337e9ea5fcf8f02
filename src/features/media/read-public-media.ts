import { eq } from 'drizzle-orm';
import { media } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../errors.ts';
import { verifyMediaSignature } from './media-signature.ts';
import { type MediaContent, readMediaContent } from './read-media-content.ts';

export type ReadPublicMediaOptions = { mediaId: string; signature: string };

/**
 * The bytes behind a signed public media URL. A wrong signature is "not found", like a missing item,
 * so the public URL space tells nothing about which ids exist.
 */
export async function readPublicMedia(deps: Deps, options: ReadPublicMediaOptions): Promise<MediaContent> {
  if (!verifyMediaSignature(deps, options.mediaId, options.signature)) throw notFound('media');
  const [row] = await deps.db.select().from(media).where(eq(media.id, options.mediaId));
  if (!row) throw notFound('media');
  return readMediaContent(deps, row);
}
