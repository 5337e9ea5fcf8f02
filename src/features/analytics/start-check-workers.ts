/**
 * The analytics workers: metrics checks on their own queue, with a quarter of the process's
 * concurrency (at least one), so checks never take a publish worker's place; and, for the scheduler
 * role, the daily read of every channel's figures.
 */
import type { Job } from 'pg-boss';
import type { Deps } from '../../deps.ts';
import { queues } from '../../queue/boss.ts';
import type { CheckJobData } from './enqueue-check.ts';
import { runCheck } from './run-check.ts';
import { syncAllChannelStats } from './sync-channel-stats.ts';

/** Every day at 03:17 UTC (off the hour, when publishing is usually quiet). */
const CHANNEL_STATS_CRON = '17 3 * * *';

export async function startCheckWorkers(deps: Deps, options: { concurrency: number }): Promise<void> {
  await deps.queue.work<CheckJobData>(
    queues.metricsCheck,
    {
      batchSize: 1,
      localConcurrency: Math.max(1, Math.floor(options.concurrency / 4)),
      pollingIntervalSeconds: Math.max(deps.config.pollSeconds, 2),
    },
    async ([job]: Job<CheckJobData>[]) => {
      if (!job) return;
      const result = await runCheck(deps, {
        trackedPostId: job.data.trackedPostId,
        jobId: job.id,
        kind: 'scheduled',
      });
      deps.log.debug({ trackedPostId: job.data.trackedPostId, result }, 'metrics check');
    },
  );
}

/** The daily read of every channel's figures (scheduler process only). */
export async function scheduleChannelStats(deps: Deps): Promise<void> {
  await deps.queue.schedule(queues.channelStats, CHANNEL_STATS_CRON);
  await deps.queue.work(queues.channelStats, { pollingIntervalSeconds: 30 }, async () => {
    await syncAllChannelStats(deps);
  });
}
