/**
 * The queue as a person sees it: each target that is waiting, running, deferred by a rate limit,
 * retrying, failed or needing a decision, with its attempts and last error.
 */
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { channels, posts, postTargets, type TargetStatus } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';

export const jobStates = {
  waiting: ['scheduled'],
  running: ['publishing'],
  deferred: ['deferred'],
  retrying: ['retrying'],
  failed: ['failed', 'missed'],
  attention: ['unknown', 'waiting_reauth'],
} as const satisfies Record<string, readonly TargetStatus[]>;
export type JobState = keyof typeof jobStates;

export async function listJobs(
  deps: Deps,
  options: { workspaceId: string; state?: JobState | undefined; limit: number },
) {
  const statuses = options.state ? [...jobStates[options.state]] : Object.values(jobStates).flat();
  return deps.db
    .select({
      targetId: postTargets.id,
      postId: postTargets.postId,
      postTitle: posts.title,
      postExcerpt: sql<string>`left(${posts.content}, 140)`,
      channelId: postTargets.channelId,
      channelName: channels.name,
      platform: postTargets.platform,
      status: postTargets.status,
      scheduledAt: postTargets.scheduledAt,
      nextAttemptAt: postTargets.nextAttemptAt,
      attempts: postTargets.attempts,
      maxAttempts: postTargets.maxAttempts,
      errorCode: postTargets.errorCode,
      errorMessage: postTargets.errorMessage,
      updatedAt: postTargets.updatedAt,
    })
    .from(postTargets)
    .innerJoin(posts, eq(posts.id, postTargets.postId))
    .innerJoin(channels, eq(channels.id, postTargets.channelId))
    .where(and(eq(postTargets.workspaceId, options.workspaceId), inArray(postTargets.status, statuses)))
    .orderBy(
      options.state === 'failed'
        ? desc(postTargets.updatedAt)
        : asc(sql`coalesce(${postTargets.nextAttemptAt}, ${postTargets.scheduledAt})`),
    )
    .limit(options.limit);
}
