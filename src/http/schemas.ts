/** Schemas shared by many routes. */
import { z } from 'zod';
import { isStorableInstant, storableRange } from '../lib/time.ts';

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

/**
 * Params of a refinement whose failure is a 422 (a well-formed value Herald refuses, as a use-case
 * would) rather than the 400 of a malformed request: `.refine(ok, { message, ...unprocessable })`.
 */
export const unprocessable = { params: { unprocessable: true } } as const;

/**
 * An instant in a request: RFC 3339 with an offset, and within the years Herald can store (a 422
 * naming the field otherwise, not a 500 from the database). Every date a route takes uses it.
 */
export const instantInput = z.iso.datetime({ offset: true }).refine((s) => isStorableInstant(new Date(s)), {
  message: `must be within ${storableRange}`,
  ...unprocessable,
});

/**
 * A list of ids that each link one row (a post's channels, its media): the same id twice would be
 * the same link twice, so it is refused (a 422 naming the list), and the document says `uniqueItems`.
 */
export const idList = (maxItems: number) =>
  z
    .array(z.uuid())
    .max(maxItems)
    .refine((ids) => new Set(ids).size === ids.length, {
      message: 'must not list the same id twice',
      ...unprocessable,
    })
    .meta({ uniqueItems: true });
