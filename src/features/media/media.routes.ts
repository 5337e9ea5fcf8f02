import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { AppError, invalidField } from '../../errors.ts';
import { requireAuth } from '../../http/auth.ts';
import type { Routes } from '../../http/plugin.ts';
import { checkText } from '../../http/reject-unsafe-input.ts';
import { errorReplies, errorReply, workspaceParams } from '../../http/schemas.ts';
import { deleteMedia } from './delete-media.ts';
import { getMedia } from './get-media.ts';
import { importMediaFromUrl } from './import-media-from-url.ts';
import { listMedia } from './list-media.ts';
import {
  altTextInput,
  importMediaBody,
  listMediaQuery,
  mediaPage,
  mediaParams,
  mediaReply,
  toMediaReply,
  updateMediaBody,
} from './media.schemas.ts';
import { type MediaContent, readMediaContent } from './read-media-content.ts';
import { storeMedia } from './store-media.ts';
import { updateMedia } from './update-media.ts';

const tags = ['media'];
const uploadErrors = { ...errorReplies, 413: errorReply, 415: errorReply };

type Upload = { data: Uint8Array; filename: string | null; altText: string | null };

/** Reads the one `file` part and the optional `altText` field, in whichever order they come. */
async function readUpload(request: FastifyRequest, maxBytes: number): Promise<Upload> {
  if (!request.isMultipart()) {
    throw new AppError(
      'unsupported_media_type',
      'send the file as multipart/form-data in a part named "file"',
    );
  }
  const tooLarge = () =>
    new AppError('payload_too_large', `the file is larger than the ${maxBytes} byte upload limit`);
  let file: { data: Uint8Array; filename: string | null } | null = null;
  let altText: string | null = null;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file')
          throw invalidField(part.fieldname, 'only one file, in a part named "file"');
        const data = await part.toBuffer();
        // toBuffer throws on truncation; checked again so a partial file can never be stored.
        if (part.file.truncated) throw tooLarge();
        file = { data, filename: part.filename ? part.filename.slice(0, 255) : null };
      } else if (part.fieldname === 'altText') {
        if (typeof part.value === 'string') checkText(part.value, 'altText');
        const parsed = altTextInput.safeParse(part.value);
        if (!parsed.success) throw invalidField('altText', parsed.error.issues[0]?.message ?? 'invalid');
        altText = parsed.data;
      }
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge();
    if (error instanceof AppError) throw error;
    // busboy's own complaints (no boundary, body cut off): the client sent a broken multipart body.
    throw new AppError('bad_request', `the multipart body is malformed: ${(error as Error).message}`);
  }
  if (!file) throw invalidField('file', 'a multipart part named "file" is required');
  return { ...file, altText };
}

/** A header parameter value (RFC 5987): percent-encoded UTF-8, quotes and brackets included. */
const encodeRfc5987 = (value: string) =>
  encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Sends stored bytes as what they were detected to be, never letting a browser guess otherwise. */
export function sendMediaContent(reply: FastifyReply, content: MediaContent, cacheControl: string) {
  const name = content.media.originalName;
  return reply
    .header('content-type', content.media.mimeType)
    .header('content-length', content.data.length)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', cacheControl)
    .header('content-disposition', name ? `inline; filename*=UTF-8''${encodeRfc5987(name)}` : 'inline')
    .send(Buffer.from(content.data.buffer, content.data.byteOffset, content.data.byteLength));
}

export function mediaRoutes(deps: Deps): Routes {
  return async (app) => {
    app.post(
      '/media',
      {
        schema: {
          tags,
          operationId: 'uploadMedia',
          summary: 'Upload a file (multipart: `file`, optional `altText`)',
          consumes: ['multipart/form-data'],
          params: workspaceParams,
          response: { 201: mediaReply, ...uploadErrors },
        },
      },
      async (request, reply) => {
        const upload = await readUpload(request, deps.config.maxUploadBytes);
        const row = await storeMedia(deps, {
          workspaceId: request.params.workspaceId,
          uploadedBy: requireAuth(request).userId,
          data: upload.data,
          originalName: upload.filename,
          altText: upload.altText,
        });
        return reply.status(201).send(toMediaReply(deps, row));
      },
    );

    app.post(
      '/media/from-url',
      {
        schema: {
          tags,
          operationId: 'importMediaFromUrl',
          summary: 'Import a file from an http(s) URL',
          params: workspaceParams,
          body: importMediaBody,
          response: { 201: mediaReply, ...uploadErrors },
        },
      },
      async (request, reply) => {
        const row = await importMediaFromUrl(deps, {
          workspaceId: request.params.workspaceId,
          uploadedBy: requireAuth(request).userId,
          url: request.body.url,
          altText: request.body.altText ?? null,
        });
        return reply.status(201).send(toMediaReply(deps, row));
      },
    );

    app.get(
      '/media',
      {
        schema: {
          tags,
          summary: 'List media, newest first',
          params: workspaceParams,
          querystring: listMediaQuery,
          response: { 200: mediaPage, ...errorReplies },
        },
      },
      async (request) => {
        const page = await listMedia(deps, { workspaceId: request.params.workspaceId, ...request.query });
        return { items: page.items.map((row) => toMediaReply(deps, row)), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/media/:id',
      {
        schema: {
          tags,
          summary: 'Get a media item',
          params: mediaParams,
          response: { 200: mediaReply, ...errorReplies },
        },
      },
      async (request) =>
        toMediaReply(
          deps,
          await getMedia(deps, { workspaceId: request.params.workspaceId, mediaId: request.params.id }),
        ),
    );

    app.get(
      '/media/:id/content',
      { schema: { tags, summary: "A media item's bytes", params: mediaParams, response: errorReplies } },
      async (request, reply) => {
        const row = await getMedia(deps, {
          workspaceId: request.params.workspaceId,
          mediaId: request.params.id,
        });
        // The bytes under an id never change.
        return sendMediaContent(
          reply,
          await readMediaContent(deps, row),
          'private, max-age=31536000, immutable',
        );
      },
    );

    app.patch(
      '/media/:id',
      {
        schema: {
          tags,
          summary: "Change a media item's alt text",
          params: mediaParams,
          body: updateMediaBody,
          response: { 200: mediaReply, ...errorReplies },
        },
      },
      async (request) =>
        toMediaReply(
          deps,
          await updateMedia(deps, {
            workspaceId: request.params.workspaceId,
            mediaId: request.params.id,
            altText: request.body.altText,
          }),
        ),
    );

    app.delete(
      '/media/:id',
      {
        schema: {
          tags,
          summary: 'Delete a media item (refused while an unpublished post uses it)',
          params: mediaParams,
          response: { 204: z.null(), ...errorReplies },
        },
      },
      async (request, reply) => {
        await deleteMedia(deps, { workspaceId: request.params.workspaceId, mediaId: request.params.id });
        return reply.status(204).send(null);
      },
    );
  };
}
