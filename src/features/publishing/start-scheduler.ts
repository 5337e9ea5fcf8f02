/**
 * The scheduler role, run by the process that serves the API (`herald start`, with or without
 * workers) or by a worker started with `--scheduler`: recover what happened while Herald was down,
 * then sweep every minute for tokens about to expire and queue their refresh (which any worker runs),
 * and run the daily backup and weekly restore test.
 */
import type { Deps } from '../../deps.ts';
import { queues } from '../../queue/boss.ts';
import { scheduleChannelStats } from '../analytics/start-check-workers.ts';
import { startBackupJobs } from '../backups/backup-jobs.ts';
import { schedulePipelineSweep } from '../pipeline/start-pipeline-workers.ts';
import { connectionsDueForRefresh } from '../connections/refresh-connection.ts';
import { type Recovery, recoverOnStart } from './recover-on-start.ts';

export async function startScheduler(deps: Deps): Promise<Recovery> {
  const recovery = await recoverOnStart(deps);
  await deps.queue.schedule(queues.refreshSweep, '* * * * *');
  await deps.queue.work(queues.refreshSweep, { pollingIntervalSeconds: 5 }, async () => {
    for (const connectionId of await connectionsDueForRefresh(deps)) {
      await deps.queue.send(queues.refreshConnection, { connectionId }, { singletonKey: connectionId });
    }
  });
  await startBackupJobs(deps);
  await scheduleChannelStats(deps);
  await schedulePipelineSweep(deps);
  return recovery;
}
