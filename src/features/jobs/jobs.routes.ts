/** The queue view, and retrying one target from it. */
import { z } from 'zod';
import { targetStatuses } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import type { Routes } from '../../http/plugin.ts';
import { errorReplies, timestamp, workspaceParams } from '../../http/schemas.ts';
import { jobStates, listJobs } from './list-jobs.ts';
import { retryJob } from './retry-job.ts';

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
      async (request) => ({
        items: await listJobs(deps, { workspaceId: request.params.workspaceId, ...request.query }),
      }),
    );

    app.post(
      '/jobs/:targetId/retry',
      {
        schema: {
          tags: ['jobs'],
          summary: 'Run a target now: a failed one gets a fresh attempt budget, a waiting one skips its wait',
          params: workspaceParams.extend({ targetId: z.uuid() }),
          response: {
            200: z.object({ targetId: z.uuid(), status: z.enum(targetStatuses) }),
            ...errorReplies,
          },
        },
      },
      async (request) => retryJob(deps, request.params),
    );
  };
}
