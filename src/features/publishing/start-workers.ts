/**
 * Registers this process's workers with pg-boss: publishing and token refresh. The periodic refresh
 * sweep belongs to the scheduler role (start-scheduler.ts), which runs with or without workers.
 */
import type { Job } from 'pg-boss';
import type { Deps } from '../../deps.ts';
import { queues } from '../../queue/boss.ts';
import { startCheckWorkers } from '../analytics/start-check-workers.ts';
import { refreshConnection } from '../connections/refresh-connection.ts';
import { startPipelineWorkers } from '../pipeline/start-pipeline-workers.ts';
import type { PublishJobData } from './enqueue.ts';
import { runPublishJob } from './run-publish-job.ts';

/** Jobs fetched per poll by one worker loop; a full batch makes it fetch again at once. */
export const WORKER_BATCH = 4;

export async function startWorkers(deps: Deps, options: { concurrency: number }): Promise<void> {
  const loops = Math.max(1, Math.ceil(options.concurrency / WORKER_BATCH));
  await deps.queue.work<PublishJobData>(
    queues.publish,
    {
      batchSize: Math.min(WORKER_BATCH, options.concurrency),
      localConcurrency: loops,
      burstWhenBatchFull: true,
      perJobResults: true,
      pollingIntervalSeconds: deps.config.pollSeconds,
      // Notifications only announce new jobs, not jobs coming due: keep polling at the configured pace.
      notifyPollingIntervalSeconds: deps.config.pollSeconds,
    },
    async (jobs: Job<PublishJobData>[]) =>
      Promise.all(
        jobs.map(async (job) => {
          try {
            const result = await runPublishJob(deps, job);
            return { id: job.id, status: 'completed' as const, output: result };
          } catch (error) {
            // Only the database failing gets here; pg-boss retries the job and the run reconciles.
            deps.log.error({ err: error, jobId: job.id, targetId: job.data.targetId }, 'publish job crashed');
            return { id: job.id, status: 'failed' as const, output: { message: (error as Error).message } };
          }
        }),
      ),
  );
  await deps.queue.work<{ connectionId: string }>(
    queues.refreshConnection,
    { pollingIntervalSeconds: Math.max(deps.config.pollSeconds, 2) },
    async ([job]) => {
      if (!job) return;
      await refreshConnection(deps, { connectionId: job.data.connectionId, trigger: 'schedule' }).catch(
        (error) => {
          deps.log.warn(
            { connectionId: job.data.connectionId, err: (error as Error).message },
            'scheduled token refresh failed',
          );
        },
      );
    },
  );
  await startCheckWorkers(deps, options);
  await startPipelineWorkers(deps);
}
