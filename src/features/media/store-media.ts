import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { media } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError, invalidField } from '../../errors.ts';
import { detectMedia } from './detect-media.ts';

export type MediaRow = typeof media.$inferSelect;

export type StoreMediaOptions = {
  workspaceId: string;
  uploadedBy: string | null;
  data: Uint8Array;
  originalName: string | null;
  altText: string | null;
  /** Where the bytes were fetched from, for media imported by URL. */
  sourceUrl?: string | null;
};

/** Where a workspace's copy of some content lives: identical files share one stored copy. */
export const storageKeyFor = (workspaceId: string, sha256: string) => `${workspaceId}/${sha256}`;

/**
 * Serialises writers and removers of one stored file for the rest of the transaction. Without it a
 * delete of the last row using a file could remove the file between an upload's write and its insert,
 * leaving the new row without bytes.
 */
export async function lockStorageKey(db: Queryable, key: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`);
}

/**
 * Detects, measures, stores and records one media file. Each call makes a new media row (with its own
 * alt text and name) even when the same bytes are already stored in the workspace; the bytes are
 * written once per workspace.
 */
export async function storeMedia(deps: Deps, options: StoreMediaOptions): Promise<MediaRow> {
  const { data } = options;
  if (data.length === 0) throw invalidField('file', 'the file is empty');
  if (data.length > deps.config.maxUploadBytes) {
    throw new AppError(
      'payload_too_large',
      `the file is larger than the ${deps.config.maxUploadBytes} byte upload limit`,
    );
  }
  const detected = await detectMedia(data);
  const sha256 = createHash('sha256').update(data).digest('hex');
  const storageKey = storageKeyFor(options.workspaceId, sha256);
  return deps.db.transaction(async (tx) => {
    await lockStorageKey(tx, storageKey);
    // Content-addressed, so rewriting an existing file is harmless and repairs a lost one.
    await deps.storage.put(storageKey, data);
    const [row] = await tx
      .insert(media)
      .values({
        workspaceId: options.workspaceId,
        uploadedBy: options.uploadedBy,
        kind: detected.kind,
        mimeType: detected.mimeType,
        sizeBytes: data.length,
        width: detected.width,
        height: detected.height,
        durationSeconds: detected.durationSeconds,
        altText: options.altText,
        originalName: options.originalName,
        sha256,
        storageKey,
        sourceUrl: options.sourceUrl ?? null,
      })
      .returning();
    return row!;
  });
}
