/**
 * One run of a target's publish job: claim (short transaction), execute (platform calls, no
 * transaction), settle (short transaction). A worker killed anywhere in between leaves the target
 * `publishing`; pg-boss hands the job to another worker once the heartbeat stops, and that run
 * reconciles with the platform before it would ever post again.
 */
import type { Deps } from '../../deps.ts';
import { claimTarget } from './claim-target.ts';
import type { PublishJobData } from './enqueue.ts';
import { executeTarget } from './execute-target.ts';
import { settleTarget } from './settle-target.ts';

export async function runPublishJob(
  deps: Deps,
  job: { id: string; data: PublishJobData; signal: AbortSignal },
): Promise<{ status: string } | { skipped: string }> {
  const claimed = await claimTarget(deps, { jobId: job.id, targetId: job.data.targetId });
  if (claimed.kind === 'skip') {
    deps.log.debug(
      { jobId: job.id, targetId: job.data.targetId, reason: claimed.reason },
      'publish job skipped',
    );
    return { skipped: claimed.reason };
  }
  const { claim } = claimed;
  const startedAt = Date.now();
  const outcome = await executeTarget(deps, claim, job.signal);
  const settled = await settleTarget(deps, claim, outcome, { startedAt });
  deps.log.info(
    {
      targetId: claim.target.id,
      postId: claim.target.postId,
      platform: claim.target.platform,
      mode: claim.mode,
      status: settled.status,
      outcome: settled.outcome,
      ms: Date.now() - startedAt,
    },
    'publish attempt finished',
  );
  return { status: settled.status };
}
