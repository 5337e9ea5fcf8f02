/** The queue view, and retrying one target from it. */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { postTargets, targetStatuses } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError, notFound } from '../../errors.ts';
import type { Routes } from '../../http/plugin.ts';
import { errorReplies, timestamp, workspaceParams } from '../../http/schemas.ts';
import { findPostForUpdate } from '../posts/find-post-for-update.ts';
import { retryPost } from '../posts/retry-post.ts';
import { enqueueTarget } from '../publishing/enqueue.ts';
import { jobStates, listJobs } from './list-jobs.ts';

const jobView = z.object({
  targetId: z.uuid(),
  postId: z.uuid(),
  postTitle: z.string().nullable(),
  postExcerpt: z.string(),
  channelId: z.uuid(),
  channelName: z.string(),
  platform: z.string(),
  status: z.enum(targetStatuses),
  scheduledAt: timestamp.nullable(),
  nextAttemptAt: timestamp.nullable(),
  attempts: z.number(),
  maxAttempts: z.number(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  updatedAt: timestamp,
});

export function jobRoutes(deps: Deps): Routes {
  return async (app) => {
    app.get(
      '/jobs',
      {
        schema: {
          tags: ['jobs'],
          summary: 'Publishing queue: waiting, running, deferred, retrying, failed, needing attention',
          params: workspaceParams,
          querystring: z.object({
            state: z.enum(Object.keys(jobStates) as [keyof typeof jobStates]).optional(),
            limit: z.coerce.number().int().min(1).max(500).default(100),
          }),
          response: { 200: z.object({ items: z.array(jobView) }), ...errorReplies },
        },
      },
      async (request) => ({ items: await listJobs(deps, { workspaceId: request.params.workspaceId, ...request.query }) }),
    );

    app.post(
      '/jobs/:targetId/retry',
      {
        schema: {
          tags: ['jobs'],
          summary: 'Run a target now: a failed one gets a fresh attempt budget, a waiting one skips its wait',
          params: workspaceParams.extend({ targetId: z.uuid() }),
          response: { 200: z.object({ targetId: z.uuid(), status: z.enum(targetStatuses) }), ...errorReplies },
        },
      },
      async (request) => {
        const { workspaceId, targetId } = request.params;
        const [target] = await deps.db
          .select()
          .from(postTargets)
          .where(and(eq(postTargets.workspaceId, workspaceId), eq(postTargets.id, targetId)));
        if (!target) throw notFound('target');
        if (target.status === 'failed' || target.status === 'missed') {
          await retryPost(deps, { workspaceId, postId: target.postId, targetId });
        } else {
          await deps.db.transaction(async (tx) => {
            const { post, targets } = await findPostForUpdate(tx, { workspaceId, postId: target.postId });
            const current = targets.find((t) => t.id === targetId)!;
            if (!['scheduled', 'retrying', 'deferred'].includes(current.status)) {
              throw new AppError('conflict', `a ${current.status} target cannot be retried from the queue`);
            }
            await enqueueTarget(deps, tx, {
              targetId,
              at: deps.clock.now(),
              priority: post.priority,
              status: current.status,
              previousJobId: current.jobId,
            });
          });
        }
        const [after] = await deps.db.select({ status: postTargets.status }).from(postTargets).where(eq(postTargets.id, targetId));
        return { targetId, status: after!.status };
      },
    );
  };
}
