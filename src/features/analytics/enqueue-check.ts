/**
 * A tracked post's next check job: created in the caller's transaction and written to the row, so a
 * job exists exactly when the row says a check is coming. A job whose id is not the row's `job_id`
 * is stale and its run does nothing (the same rule as publish jobs).
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { trackedPosts } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { jobDb, queues } from '../../queue/boss.ts';

export type CheckJobData = { trackedPostId: string };

export async function enqueueCheck(
  deps: Deps,
  tx: Tx,
  options: { trackedPostId: string; at: Date; previousJobId?: string | null },
): Promise<string> {
  if (options.previousJobId) {
    await deps.queue.cancel(queues.metricsCheck, options.previousJobId, { db: jobDb(tx) }).catch(() => {});
  }
  const jobId = randomUUID();
  const data: CheckJobData = { trackedPostId: options.trackedPostId };
  await deps.queue.send(queues.metricsCheck, data, { id: jobId, startAfter: options.at, db: jobDb(tx) });
  await tx
    .update(trackedPosts)
    .set({ jobId, nextCheckAt: options.at })
    .where(eq(trackedPosts.id, options.trackedPostId));
  return jobId;
}
