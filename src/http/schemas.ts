/** Schemas shared by many routes. */
import { z } from 'zod';

export const errorReply = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).nullable(),
    }),
  })
  .meta({ id: 'Error' });

export const uuidParam = z.uuid();

export const workspaceParams = z.object({ workspaceId: uuidParam });

/** Standard error replies to list on a route's `response`. */
export const errorReplies = {
  400: errorReply,
  401: errorReply,
  403: errorReply,
  404: errorReply,
  409: errorReply,
  422: errorReply,
} as const;

/**
 * A timestamp: RFC 3339 on the wire, a Date in handlers. Response schemas use it so handlers return
 * rows as they come from the database and the serializer writes ISO strings.
 */
export const timestamp = z.codec(z.iso.datetime({ offset: true }), z.date(), {
  decode: (s) => new Date(s),
  encode: (d) => d.toISOString(),
});
