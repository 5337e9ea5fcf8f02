/**
 * After a crash, did an earlier attempt post the status?
 *
 * What is guaranteed: within an hour of the first attempt, publishing again is exact whatever the
 * answer here, because Mastodon replays a status for an `Idempotency-Key` it saw in the last 3,600
 * s. Past that hour, this looks the post up among the account's 40 latest statuses by its text
 * (Mastodon's HTML turned back into text, mentions shortened as Mastodon renders them), its content
 * warning and its number of attachments: a match is reported `found`; a post pushed out of those 40
 * or edited on the instance is not seen, so a very active account could get a second copy.
 *
 * A thread found only in part is `not_found` while its root is younger than the key window (the
 * replay then finishes it without duplicating), and `unknowable` after (the user decides).
 */
import { z } from 'zod';
import type { AdapterContext, Credentials, PublishRequest, ReconcileOutcome } from '../types.ts';
import { accountIdOf, call, statusReply } from './api.ts';
import { textOfContent } from './content.ts';
import { readOptions } from './validate.ts';

/** Mastodon keeps idempotency keys for one hour; a margin keeps clocks and slow calls out of it. */
const IDEMPOTENCY_WINDOW_MS = 55 * 60_000;
const LOOKBACK = 40;

type Status = z.infer<typeof statusReply>;

/** What comparing ignores: whitespace runs, and the domain of remote mentions Mastodon hides. */
export function comparable(text: string): string {
  return text
    .replace(/(^|[^\p{L}\p{N}_/=])@([a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)@[\p{L}\p{N}_.-]+/giu, '$1@$2')
    .replace(/\s+/g, ' ')
    .trim();
}

function matches(status: Status, text: string, spoilerText: string, mediaCount: number) {
  return (
    comparable(textOfContent(status.content)) === comparable(text) &&
    (status.spoiler_text ?? '') === spoilerText &&
    (status.media_attachments?.length ?? 0) === mediaCount
  );
}

export async function reconcileThread(
  ctx: AdapterContext,
  credentials: Credentials,
  request: PublishRequest,
): Promise<ReconcileOutcome> {
  const { data: statuses } = await call(ctx, z.array(statusReply), {
    what: 'list recent statuses',
    path: `/api/v1/accounts/${encodeURIComponent(accountIdOf(credentials))}/statuses?limit=${LOOKBACK}&exclude_reblogs=true`,
    token: credentials.accessToken,
  });
  const options = readOptions(request.options);
  const root = statuses.find(
    (s) => !s.in_reply_to_id && matches(s, request.text, options.spoilerText, request.media.length),
  );
  if (!root) return { status: 'not_found' };
  let previous = root;
  for (const text of options.thread) {
    const part = statuses.find(
      (s) => s.in_reply_to_id === previous.id && matches(s, text, options.spoilerText, 0),
    );
    if (!part) {
      const age = ctx.now().getTime() - Date.parse(root.created_at);
      return age < IDEMPOTENCY_WINDOW_MS ? { status: 'not_found' } : { status: 'unknowable' };
    }
    previous = part;
  }
  return { status: 'found', remoteId: root.id, remoteUrl: root.url ?? root.uri };
}
