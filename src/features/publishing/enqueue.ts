/**
 * A target's publish job: created or removed in the caller's transaction, so a job exists exactly
 * when the target row says it should. The job id is chosen here and written to the target; a job
 * whose id is not the target's `job_id` is stale and its run does nothing.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { postTargets, type TargetStatus } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { jobDb, queues } from '../../queue/boss.ts';

export type PublishJobData = { targetId: string };

/** Creates the target's next job at `at` and points the target at it. */
export async function enqueueTarget(
  deps: Deps,
  tx: Tx,
  options: {
    targetId: string;
    at: Date;
    priority: number;
    status: TargetStatus;
    previousJobId?: string | null;
    /**
     * Other columns to write in the same statement. A transaction should write a target row once:
     * a second write fires the foreign key to the post (see lock-post.ts) and costs a statement.
     */
    values?: Partial<typeof postTargets.$inferInsert>;
  },
): Promise<string> {
  if (options.previousJobId) await cancelJob(deps, tx, options.previousJobId);
  const jobId = randomUUID();
  const data: PublishJobData = { targetId: options.targetId };
  await deps.queue.send(queues.publish, data, {
    id: jobId,
    startAfter: options.at,
    priority: options.priority,
    db: jobDb(tx),
  });
  await tx
    .update(postTargets)
    .set({ ...options.values, jobId, status: options.status, nextAttemptAt: options.at })
    .where(eq(postTargets.id, options.targetId));
  return jobId;
}

/** Cancels a queued job; one already running will find itself stale. */
export async function cancelJob(deps: Deps, tx: Tx, jobId: string): Promise<void> {
  await deps.queue.cancel(queues.publish, jobId, { db: jobDb(tx) }).catch(() => {});
}
