import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { timestamp, uuidParam, workspaceParams } from '../../http/schemas.ts';
import { mediaKinds } from './detect-media.ts';
import type { MediaRow } from './store-media.ts';

/** Generous on purpose: each platform's own limit is checked when publishing to it. */
export const ALT_TEXT_MAX = 5000;

/** Alt text as sent; blank means none. */
export const altTextInput = z
  .string()
  .max(ALT_TEXT_MAX)
  .transform((s) => s.trim() || null);

export const mediaReply = z
  .object({
    id: z.uuid(),
    kind: z.enum(mediaKinds),
    mimeType: z.string(),
    sizeBytes: z.number().int(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    durationSeconds: z.number().int().nullable(),
    altText: z.string().nullable(),
    originalName: z.string().nullable(),
    sha256: z.string(),
    createdAt: timestamp,
    /** Where a member fetches the bytes (authenticated). */
    url: z.string(),
  })
  .meta({ id: 'Media' });

export type MediaReply = z.output<typeof mediaReply>;

export const mediaParams = workspaceParams.extend({ id: uuidParam });

export const listMediaQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  kind: z.enum(mediaKinds).optional(),
});

export const mediaPage = z.object({ items: z.array(mediaReply), nextCursor: z.string().nullable() });

export const importMediaBody = z.object({
  url: z.string().max(2048),
  altText: altTextInput.optional(),
});

export const updateMediaBody = z.object({ altText: altTextInput.nullable() });

export function toMediaReply(deps: Pick<Deps, 'config'>, row: MediaRow): MediaReply {
  return {
    id: row.id,
    kind: row.kind,
    mimeType: row.mimeType,
    sizeBytes: row.sizeBytes,
    width: row.width,
    height: row.height,
    durationSeconds: row.durationSeconds,
    altText: row.altText,
    originalName: row.originalName,
    sha256: row.sha256,
    createdAt: row.createdAt,
    url: `${deps.config.publicUrl}/api/workspaces/${row.workspaceId}/media/${row.id}/content`,
  };
}
