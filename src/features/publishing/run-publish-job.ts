/**
 * One run of a target's publish job: claim (short transaction), execute (platform calls, no
 * transaction), settle (short transaction). A worker killed anywhere in between leaves the target
 * `publishing`; pg-boss hands the job to another worker once the heartbeat stops, and that run
 * reconciles with the platform before it would ever post again.
 */
import { isTransientDatabaseError } from '../../db/transient-error.ts';
import type { Deps } from '../../deps.ts';
import { claimTarget } from './claim-target.ts';
import type { PublishJobData } from './enqueue.ts';
import { executeTarget } from './execute-target.ts';
import { type Settled, settleTarget } from './settle-target.ts';

/** How long a run keeps trying to record what the platform said while the database is away. */
const SETTLE_RETRY_MS = 60_000;

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
  const settled = await settleWithRetry(deps, () => settleTarget(deps, claim, outcome, { startedAt }), {
    targetId: claim.target.id,
  });
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

/**
 * The platform has answered and only this process knows what it said: a deadlock, a restart or a
 * short outage of the database must not throw that away (the next run would find the target
 * `publishing`, log this attempt as interrupted and ask the platform again). The settle transaction
 * rolls back whole on failure, so it is simply tried again, with backoff, for a while.
 */
async function settleWithRetry(
  deps: Deps,
  settle: () => Promise<Settled>,
  context: { targetId: string },
): Promise<Settled> {
  const deadline = Date.now() + SETTLE_RETRY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      const settled = await settle();
      if (attempt > 1)
        deps.log.info({ targetId: context.targetId, tries: attempt }, 'recorded the publish attempt');
      return settled;
    } catch (error) {
      if (!isTransientDatabaseError(error) || Date.now() > deadline) throw error;
      const delay = Math.min(5_000, 50 * 2 ** attempt) * (0.5 + Math.random());
      if (attempt === 1) {
        deps.log.warn(
          { err: (error as Error).message, targetId: context.targetId },
          'could not record a publish attempt; trying again until the database answers',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
