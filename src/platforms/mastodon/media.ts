/**
 * Mastodon media: `POST /api/v2/media` answers 200 when the file was processed at once (small
 * images) and 202 with `url: null` when processing goes on in the background (video, GIF, audio,
 * large images). `GET /api/v1/media/:id` then answers 206 while processing, 200 when ready and 422
 * when processing failed. Waiting is never a sleep in the worker: the ids uploaded so far travel in
 * the `pending` state and the next run polls again.
 */
import { z } from 'zod';
import { type AdapterContext, type MediaItem, PlatformError } from '../types.ts';
import { call } from './api.ts';

/** Give up on an attachment that is still processing after this long. */
const MAX_PROCESSING_MS = 30 * 60_000;
const FIRST_POLL_MS = 2_000;
const MAX_POLL_MS = 30_000;

const uploaded = z.object({ id: z.string(), url: z.string().nullable().optional() });

const mediaState = z.object({
  media: z.array(z.object({ heraldId: z.string(), remoteId: z.string(), ready: z.boolean() })),
  processingSince: z.string(),
  polls: z.number().int().nonnegative(),
});
export type MediaState = z.infer<typeof mediaState>;

export type PreparedMedia =
  { status: 'ready'; ids: string[] } | { status: 'pending'; state: MediaState; retryAfterMs: number };

/** The state a previous run left, if it is for these very files. */
function resumable(state: Record<string, unknown> | null, media: MediaItem[]): MediaState | null {
  const parsed = mediaState.safeParse(state);
  if (!parsed.success) return null;
  const ids = parsed.data.media.map((m) => m.heraldId).join(',');
  return ids === media.map((m) => m.id).join(',') ? parsed.data : null;
}

async function upload(ctx: AdapterContext, token: string, item: MediaItem) {
  const form = new FormData();
  const bytes = new Uint8Array(await item.read());
  form.set('file', new Blob([bytes], { type: item.mimeType }), `${item.id}${extensionOf(item.mimeType)}`);
  if (item.altText) form.set('description', item.altText);
  const reply = await call(ctx, uploaded, {
    what: 'upload media',
    method: 'POST',
    path: '/api/v2/media',
    token,
    body: form,
    bucket: 'media',
  });
  return { heraldId: item.id, remoteId: reply.data.id, ready: reply.status === 200 && !!reply.data.url };
}

function extensionOf(mimeType: string): string {
  const sub = mimeType.split('/')[1]?.split(/[+;]/)[0];
  return sub ? `.${sub === 'jpeg' ? 'jpg' : sub === 'quicktime' ? 'mov' : sub}` : '';
}

/** Polls one attachment: true when ready; throws `invalid` when the instance failed to process it. */
async function isReady(ctx: AdapterContext, token: string, remoteId: string): Promise<boolean> {
  const reply = await call(ctx, z.unknown(), {
    what: 'check media processing',
    path: `/api/v1/media/${encodeURIComponent(remoteId)}`,
    token,
    accept: [422, 404],
  });
  if (reply.status === 422) {
    const error = (reply.body as { error?: unknown } | null)?.error;
    throw new PlatformError({
      kind: 'invalid',
      code: 'media_processing_failed',
      status: 422,
      message: `Mastodon could not process an attachment${typeof error === 'string' ? `: ${error}` : ''}`,
    });
  }
  // Unattached media is removed after a while: upload again from the start.
  if (reply.status === 404) {
    throw new PlatformError({
      kind: 'transient',
      status: 404,
      message: 'an uploaded attachment disappeared before it was posted; uploading again',
    });
  }
  return reply.status === 200 && typeof (reply.data as { url?: unknown } | null)?.url === 'string';
}

/** Uploads what is not uploaded yet and polls what is still processing. */
export async function prepareMedia(
  ctx: AdapterContext,
  token: string,
  options: { media: MediaItem[]; state: Record<string, unknown> | null },
): Promise<PreparedMedia> {
  if (options.media.length === 0) return { status: 'ready', ids: [] };
  let state = resumable(options.state, options.media);
  if (!state) {
    const media = [];
    for (const item of options.media) media.push(await upload(ctx, token, item));
    state = { media, processingSince: ctx.now().toISOString(), polls: 0 };
  }
  for (const m of state.media) {
    if (!m.ready) m.ready = await isReady(ctx, token, m.remoteId);
  }
  if (state.media.every((m) => m.ready)) return { status: 'ready', ids: state.media.map((m) => m.remoteId) };
  if (ctx.now().getTime() - Date.parse(state.processingSince) > MAX_PROCESSING_MS) {
    throw new PlatformError({
      kind: 'invalid',
      code: 'media_processing_timeout',
      message: `Mastodon was still processing an attachment after ${MAX_PROCESSING_MS / 60_000} minutes`,
    });
  }
  const retryAfterMs = Math.min(FIRST_POLL_MS * 2 ** state.polls, MAX_POLL_MS);
  return { status: 'pending', state: { ...state, polls: state.polls + 1 }, retryAfterMs };
}
