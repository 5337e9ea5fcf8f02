/**
 * Last step of a publish run, in one transaction: carry out what `decideSettlement` made of the
 * outcome — the attempt log row, the connection's rate-limit bucket, and the target (finished, or
 * its next job queued) written once.
 */
import { and, eq } from 'drizzle-orm';
import { type AttemptOutcome, postTargets, publishAttempts } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { recordRateLimit } from '../analytics/rate-limit-state.ts';
import { startTracking } from '../analytics/start-tracking.ts';
import { lockTarget } from '../posts/lock-post.ts';
import type { Claim } from './claim-target.ts';
import { decideSettlement } from './decide-settlement.ts';
import { enqueueTarget } from './enqueue.ts';
import type { ExecuteOutcome } from './execute-target.ts';

export type Settled = { status: string; outcome: AttemptOutcome };

export async function settleTarget(
  deps: Deps,
  claim: Claim,
  outcome: ExecuteOutcome,
  timing: { startedAt: number },
): Promise<Settled> {
  return deps.db.transaction(async (tx) => {
    // Only the target is locked here; the roll-up trigger takes the post on the target's status
    // change, the transaction's last statement, so the post row is held for moments.
    const target = await lockTarget(tx, claim.target.id);
    const now = deps.clock.now();
    const attemptBase = { finishedAt: now, durationMs: Date.now() - timing.startedAt };
    if (!target) return { status: 'deleted', outcome: 'skipped' };
    const decision = decideSettlement({
      target,
      mode: claim.mode,
      outcome,
      now,
      retryBaseSeconds: deps.config.retryBaseSeconds,
    });
    // The attempt row is closed only if it is still this run's: when this run lost its job (its
    // heartbeat stopped while the database was away) the next run closed the row and owns the
    // target now, so this one writes nothing.
    const [closed] = await tx
      .update(publishAttempts)
      .set({ ...attemptBase, ...decision.attempt })
      .where(and(eq(publishAttempts.id, claim.attemptId), eq(publishAttempts.outcome, 'running')))
      .returning({ id: publishAttempts.id });
    if (!closed) return { status: target.status, outcome: 'skipped' };
    await recordRateLimit(tx, claim.connection.id, decision.rateLimit);
    if (decision.target.kind === 'next') {
      await enqueueTarget(deps, tx, {
        targetId: target.id,
        at: decision.target.at,
        priority: target.priority,
        status: decision.target.status,
        values: decision.target.values,
      });
    } else {
      await tx
        .update(postTargets)
        .set({ ...decision.target.values, status: decision.target.status, jobId: null, nextAttemptAt: null })
        .where(eq(postTargets.id, target.id));
      if (outcome.type === 'published' && decision.target.status === 'published') {
        // Metrics check-backs start with the publish, their first job in this same transaction.
        await startTracking(deps, tx, {
          workspaceId: target.workspaceId,
          channelId: target.channelId,
          targetId: target.id,
          remoteId: outcome.remoteId,
          remoteUrl: outcome.remoteUrl,
          publishedAt: now,
        });
      }
    }
    return { status: decision.target.status, outcome: decision.attempt.outcome };
  });
}
