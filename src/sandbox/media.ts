/** Media uploaded to the sandbox: kept in the database (it is all small, fake test data). */
import { eq } from 'drizzle-orm';
import { sandboxMedia } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { invalidRequest } from './errors.ts';
import { countGraphemes, MAX_ALT_TEXT_GRAPHEMES, MAX_MEDIA_BYTES, MEDIA_TYPES } from './rules.ts';

export type SandboxMedia = Omit<typeof sandboxMedia.$inferSelect, 'data'>;

export const mediaUrl = (base: string, id: string) => `${base}/media/${id}`;

export async function storeMedia(
  deps: Deps,
  options: { accountId: string; contentType: string | undefined; bytes: Buffer; altText: string | undefined },
): Promise<SandboxMedia> {
  const mimeType = (options.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!(MEDIA_TYPES as readonly string[]).includes(mimeType)) {
    throw new AppError(
      'unsupported_media_type',
      `Content-Type ${mimeType || '(none)'} is not accepted; use one of ${MEDIA_TYPES.join(', ')}`,
    );
  }
  if (options.bytes.length === 0) throw invalidRequest('file', 'the body is empty');
  if (options.bytes.length > MAX_MEDIA_BYTES) {
    throw new AppError('payload_too_large', `media must be at most ${MAX_MEDIA_BYTES} bytes`);
  }
  if (options.altText !== undefined && countGraphemes(options.altText) > MAX_ALT_TEXT_GRAPHEMES) {
    throw invalidRequest('alt_text', `must be at most ${MAX_ALT_TEXT_GRAPHEMES} characters`);
  }
  const [row] = await deps.db
    .insert(sandboxMedia)
    .values({
      accountId: options.accountId,
      mimeType,
      sizeBytes: options.bytes.length,
      altText: options.altText || null,
      data: options.bytes.toString('base64'),
      createdAt: deps.clock.now(),
    })
    .returning({
      id: sandboxMedia.id,
      accountId: sandboxMedia.accountId,
      mimeType: sandboxMedia.mimeType,
      sizeBytes: sandboxMedia.sizeBytes,
      altText: sandboxMedia.altText,
      createdAt: sandboxMedia.createdAt,
    });
  return row!;
}

export async function readMedia(deps: Deps, id: string): Promise<{ mimeType: string; bytes: Buffer } | null> {
  const [row] = await deps.db
    .select({ mimeType: sandboxMedia.mimeType, data: sandboxMedia.data })
    .from(sandboxMedia)
    .where(eq(sandboxMedia.id, id));
  return row ? { mimeType: row.mimeType, bytes: Buffer.from(row.data, 'base64') } : null;
}
