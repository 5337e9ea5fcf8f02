/**
 * Creates a post with one target per channel, as a draft or scheduled. When scheduled, every target
 * is validated by its platform first, and each target's publish job is created in the same
 * transaction as the rows.
 */
import { createHash, randomUUID } from 'node:crypto';
import { postMedia, posts, postTargets } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { enqueueTarget } from '../publishing/enqueue.ts';
import { getPost } from './get-post.ts';
import { checkPostInput, extractTags, rejectIssues } from './load-post-parts.ts';
import type { PostInput, PostView } from './posts.schemas.ts';
import { resolveWhen } from './resolve-when.ts';

export function contentHash(title: string | null | undefined, content: string): string {
  return createHash('sha256')
    .update(`${title ?? ''}\n${content.trim().replace(/\s+/g, ' ').toLowerCase()}`)
    .digest('hex');
}

export function inferContentType(mediaKinds: string[]): 'text' | 'image' | 'video' | 'carousel' {
  if (!mediaKinds.length) return 'text';
  if (mediaKinds.length > 1) return 'carousel';
  return mediaKinds[0] === 'video' ? 'video' : 'image';
}

export async function createPost(
  deps: Deps,
  options: { workspaceId: string; authorId: string | null; input: PostInput },
): Promise<PostView> {
  const { input, workspaceId } = options;
  const when = resolveWhen(deps.clock, input);
  for (const channelId of Object.keys(input.overrides)) {
    if (!input.channelIds.includes(channelId)) {
      throw new AppError('invalid', `overrides.${channelId}: not one of channelIds`);
    }
  }
  if (when && !input.channelIds.length)
    throw new AppError('invalid', 'channelIds: pick at least one channel to schedule');
  const {
    channels: channelRows,
    media: mediaRows,
    issues,
  } = await checkPostInput(deps, { workspaceId, input });
  // A draft may be incomplete; what is scheduled must be acceptable to every platform.
  if (when) rejectIssues(issues);
  const tags = extractTags(input.content);
  const postId = await deps.db.transaction(async (tx) => {
    const [post] = await tx
      .insert(posts)
      .values({
        workspaceId,
        authorId: options.authorId,
        title: input.title ?? null,
        content: input.content,
        contentType: input.contentType ?? inferContentType(mediaRows.map((m) => m.kind)),
        status: 'draft',
        scheduledAt: when?.at ?? null,
        timezone: when?.timezone ?? null,
        priority: input.priority,
        hashtags: tags.hashtags,
        mentions: tags.mentions,
        contentHash: contentHash(input.title, input.content),
      })
      .returning({ id: posts.id });
    const id = post!.id;
    if (mediaRows.length) {
      await tx
        .insert(postMedia)
        .values(mediaRows.map((m, position) => ({ postId: id, mediaId: m.id, position })));
    }
    if (channelRows.length) {
      const targets = channelRows.map((channel) => {
        const override = input.overrides[channel.id];
        const targetId = randomUUID();
        return {
          id: targetId,
          postId: id,
          workspaceId,
          channelId: channel.id,
          platform: channel.platform,
          status: 'draft' as const,
          contentOverride: override?.content ?? null,
          mediaOverride: override?.mediaIds ?? null,
          options: override?.options ?? {},
          scheduledAt: when?.at ?? null,
          priority: input.priority,
          maxAttempts: input.maxAttempts,
          idempotencyKey: `herald-${targetId}`,
        };
      });
      await tx.insert(postTargets).values(targets);
      if (when) {
        for (const target of targets) {
          await enqueueTarget(deps, tx, {
            targetId: target.id,
            at: when.at,
            priority: input.priority,
            status: 'scheduled',
          });
        }
      }
    }
    return id;
  });
  return getPost(deps.db, { workspaceId, postId });
}
