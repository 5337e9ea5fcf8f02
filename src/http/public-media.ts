/**
 * Media served without login at signed URLs (`publicMediaUrl`), for platforms that fetch media from
 * Herald by URL. Registered at the root, outside `/api`, so no session or token is looked at.
 */
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { sendMediaContent } from '../features/media/media.routes.ts';
import { readPublicMedia } from '../features/media/read-public-media.ts';
import type { Routes } from './plugin.ts';
import { errorReply } from './schemas.ts';

export { publicMediaUrl, verifyMediaSignature } from '../features/media/media-signature.ts';

export function publicMediaRoutes(deps: Deps): Routes {
  return async (app) => {
    app.get(
      '/media/:id/:signature',
      {
        schema: {
          tags: ['media'],
          operationId: 'getPublicMedia',
          summary: 'A media item at its signed public URL',
          security: [],
          // Plain strings: a malformed id or signature is as "not found" as a wrong one.
          params: z.object({ id: z.string().max(64), signature: z.string().max(128) }),
          response: { 404: errorReply },
        },
      },
      async (request, reply) => {
        const content = await readPublicMedia(deps, {
          mediaId: request.params.id,
          signature: request.params.signature,
        });
        return sendMediaContent(reply, content, 'public, max-age=3600');
      },
    );
  };
}
