/**
 * `POST /api/posts`: validates, refuses duplicates, and honours `Idempotency-Key`: the same key from
 * the same account returns the post it first created, however many times and however concurrently
 * it is sent (a unique index on (account, key) and insert … on conflict do nothing).
 */
import { and, eq, gt, inArray, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { sandboxMedia, sandboxPosts } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { invalidRequest } from './errors.ts';
import type { SandboxPost } from './posts.ts';
import { checkPostText, MAX_MEDIA_PER_POST } from './rules.ts';

const DUPLICATE_WINDOW_MS = 24 * 3600_000;

export const createPostBody = z.object({
  // A generous raw cap keeps grapheme counting cheap; the real rule is checked below.
  text: z.string().max(20_000),
  media_ids: z.array(z.uuid()).max(20).optional(),
  reply_to_id: z.uuid().nullish(),
});

export const idempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'use 1 to 255 visible ASCII characters');

async function findByKey(deps: Deps, accountId: string, key: string): Promise<SandboxPost | null> {
  const [post] = await deps.db
    .select()
    .from(sandboxPosts)
    .where(and(eq(sandboxPosts.accountId, accountId), eq(sandboxPosts.idempotencyKey, key)));
  return post ?? null;
}

function parseBody(body: unknown): z.infer<typeof createPostBody> {
  const parsed = createPostBody.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : 'body';
  throw invalidRequest(field, issue?.message ?? 'invalid');
}

async function checkMedia(deps: Deps, accountId: string, mediaIds: string[]): Promise<void> {
  if (mediaIds.length > MAX_MEDIA_PER_POST) {
    throw invalidRequest('media_ids', `at most ${MAX_MEDIA_PER_POST} media per post`);
  }
  if (new Set(mediaIds).size !== mediaIds.length) throw invalidRequest('media_ids', 'lists a media twice');
  if (!mediaIds.length) return;
  const owned = await deps.db
    .select({ id: sandboxMedia.id })
    .from(sandboxMedia)
    .where(and(eq(sandboxMedia.accountId, accountId), inArray(sandboxMedia.id, mediaIds)));
  if (owned.length !== mediaIds.length) {
    throw invalidRequest('media_ids', 'refers to media that does not exist or belongs to another account');
  }
}

async function checkReplyTarget(deps: Deps, replyToId: string): Promise<void> {
  const [target] = await deps.db
    .select({ id: sandboxPosts.id })
    .from(sandboxPosts)
    .where(and(eq(sandboxPosts.id, replyToId), isNull(sandboxPosts.deletedAt)));
  if (!target) throw invalidRequest('reply_to_id', 'no such post');
}

async function checkNotDuplicate(deps: Deps, accountId: string, text: string, now: Date): Promise<void> {
  // Media-only posts have no text to compare; networks that refuse duplicates judge by text.
  if (text.trim() === '') return;
  const [same] = await deps.db
    .select({ id: sandboxPosts.id })
    .from(sandboxPosts)
    .where(
      and(
        eq(sandboxPosts.accountId, accountId),
        eq(sandboxPosts.text, text),
        isNull(sandboxPosts.deletedAt),
        gt(sandboxPosts.createdAt, new Date(now.getTime() - DUPLICATE_WINDOW_MS)),
      ),
    )
    .limit(1);
  if (same) {
    throw new AppError('conflict', 'you already posted this text in the last 24 hours', {
      existingId: same.id,
    });
  }
}

export async function createPost(
  deps: Deps,
  options: {
    accountId: string;
    body: unknown;
    idempotencyKey: string | undefined;
    /** The account's `allowDuplicates` knob: the same text may be posted again at once. */
    allowDuplicates?: boolean | undefined;
  },
): Promise<{ post: SandboxPost; replayed: boolean }> {
  const key = options.idempotencyKey;
  if (key !== undefined) {
    const previous = await findByKey(deps, options.accountId, key);
    if (previous) return { post: previous, replayed: true };
  }
  const body = parseBody(options.body);
  const mediaIds = body.media_ids ?? [];
  const textProblem = checkPostText(body.text, mediaIds.length);
  if (textProblem) throw invalidRequest('text', textProblem);
  await checkMedia(deps, options.accountId, mediaIds);
  if (body.reply_to_id) await checkReplyTarget(deps, body.reply_to_id);
  const now = deps.clock.now();
  try {
    if (!options.allowDuplicates) await checkNotDuplicate(deps, options.accountId, body.text, now);
  } catch (error) {
    // A concurrent request with the same key may have just stored this very text: that is a replay,
    // not a duplicate.
    const winner = key !== undefined ? await findByKey(deps, options.accountId, key) : null;
    if (winner) return { post: winner, replayed: true };
    throw error;
  }

  const [created] = await deps.db
    .insert(sandboxPosts)
    .values({
      accountId: options.accountId,
      text: body.text,
      mediaIds,
      replyToId: body.reply_to_id ?? null,
      idempotencyKey: key ?? null,
      createdAt: now,
    })
    .onConflictDoNothing({ target: [sandboxPosts.accountId, sandboxPosts.idempotencyKey] })
    .returning();
  if (created) return { post: created, replayed: false };
  // A concurrent request with the same key won the insert: answer with its post.
  const winner = key !== undefined ? await findByKey(deps, options.accountId, key) : null;
  if (!winner) throw new AppError('internal', 'the post was neither created nor found');
  return { post: winner, replayed: true };
}
