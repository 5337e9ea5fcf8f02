/**
 * Last step of a publish run, in one transaction: record what happened on the target and in the
 * attempt log, and queue the next run when there is one. Only here are error kinds given meaning:
 * transient → retry with backoff; rate_limited → defer without spending an attempt; invalid and
 * duplicate → fail with the platform's message; auth → wait for re-authorisation.
 */
import { eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { type AttemptOutcome, postTargets, publishAttempts, rateLimits } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import type { RateLimitInfo } from '../../platforms/types.ts';
import { startTracking } from '../analytics/start-tracking.ts';
import { lockTarget } from '../posts/lock-post.ts';
import { retryDelayMs } from './backoff.ts';
import { type Claim, finish } from './claim-target.ts';
import { enqueueTarget } from './enqueue.ts';
import type { ExecuteOutcome } from './execute-target.ts';

/** When a platform says "slow down" without saying until when. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

export type Settled = { status: string; outcome: AttemptOutcome };

async function recordRateLimit(tx: Tx, connectionId: string, info: RateLimitInfo | null) {
  if (!info) return;
  await tx
    .insert(rateLimits)
    .values({
      connectionId,
      bucket: info.bucket,
      limit: info.limit,
      remaining: info.remaining,
      resetAt: info.resetAt,
    })
    .onConflictDoUpdate({
      target: [rateLimits.connectionId, rateLimits.bucket],
      set: { limit: info.limit, remaining: info.remaining, resetAt: info.resetAt, updatedAt: sql`now()` },
    });
}

export async function settleTarget(
  deps: Deps,
  claim: Claim,
  outcome: ExecuteOutcome,
  timing: { startedAt: number },
): Promise<Settled> {
  return deps.db.transaction(async (tx) => {
    // Only the target is locked here; the roll-up trigger takes the post on the status change, which
    // each branch below makes its last statement so the post row is held for moments.
    const target = await lockTarget(tx, claim.target.id);
    const now = deps.clock.now();
    const attemptBase = { finishedAt: now, durationMs: Date.now() - timing.startedAt };
    const logAttempt = (values: Partial<typeof publishAttempts.$inferInsert> & { outcome: AttemptOutcome }) =>
      tx
        .update(publishAttempts)
        .set({ ...attemptBase, ...values })
        .where(eq(publishAttempts.id, claim.attemptId));
    if (!target) {
      await logAttempt({ outcome: 'skipped', errorMessage: 'the target was deleted during the attempt' });
      return { status: 'deleted', outcome: 'skipped' };
    }
    const attempts = target.attempts + ('calledPublish' in outcome && outcome.calledPublish ? 1 : 0);

    switch (outcome.type) {
      case 'published': {
        await recordRateLimit(tx, claim.connection.id, outcome.rateLimit);
        const logged = outcome.reconciled ? 'reconciled' : 'published';
        await logAttempt({ outcome: logged, rateLimit: outcome.rateLimit });
        // Metrics check-backs start with the publish, their first job in this same transaction.
        await startTracking(deps, tx, {
          workspaceId: target.workspaceId,
          channelId: target.channelId,
          targetId: target.id,
          remoteId: outcome.remoteId,
          remoteUrl: outcome.remoteUrl,
          publishedAt: now,
        });
        await tx
          .update(postTargets)
          .set({
            status: 'published',
            remoteId: outcome.remoteId,
            remoteUrl: outcome.remoteUrl,
            remotePartIds: outcome.partIds,
            attempts,
            publishState: null,
            errorCode: null,
            errorMessage: null,
            jobId: null,
            nextAttemptAt: null,
          })
          .where(eq(postTargets.id, target.id));
        return { status: 'published', outcome: logged };
      }
      case 'pending': {
        await recordRateLimit(tx, claim.connection.id, outcome.rateLimit);
        await logAttempt({ outcome: 'pending', rateLimit: outcome.rateLimit });
        await tx
          .update(postTargets)
          .set({ publishState: { ...outcome.state, pending: true } })
          .where(eq(postTargets.id, target.id));
        await enqueueTarget(deps, tx, {
          targetId: target.id,
          at: new Date(now.getTime() + outcome.retryAfterMs),
          priority: target.priority,
          status: 'publishing',
        });
        return { status: 'publishing', outcome: 'pending' };
      }
      case 'unknown': {
        await logAttempt({ outcome: 'unknown', errorCode: 'unknown_outcome', errorMessage: outcome.message });
        await finish(tx, target.id, {
          status: 'unknown',
          errorCode: 'unknown_outcome',
          errorMessage: outcome.message,
        });
        return { status: 'unknown', outcome: 'unknown' };
      }
      case 'waiting_reauth': {
        await logAttempt({ outcome: 'auth', errorCode: 'auth', errorMessage: outcome.message });
        await finish(tx, target.id, {
          status: 'waiting_reauth',
          errorCode: 'auth',
          errorMessage: outcome.message,
        });
        return { status: 'waiting_reauth', outcome: 'auth' };
      }
      case 'error': {
        const { error } = outcome;
        // Every failed run counts against the budget, a failed reconcile too (or an unreachable
        // platform would be asked forever); a rate limit is given back below.
        const attempts = target.attempts + 1;
        const rateLimit = error.rateLimit;
        await recordRateLimit(tx, claim.connection.id, rateLimit);
        const errorCode = error.code ?? error.kind;
        if (error.kind === 'rate_limited') {
          await logAttempt({ outcome: 'rate_limited', errorCode, errorMessage: error.message, rateLimit });
          // Deferred, not failed: the attempt is given back.
          // The platform's reset time, or now if it has already passed; a guess only when none was given.
          const at = error.retryAfter
            ? new Date(Math.max(error.retryAfter.getTime(), now.getTime()))
            : new Date(now.getTime() + DEFAULT_RATE_LIMIT_WAIT_MS);
          await tx
            .update(postTargets)
            // publishState is kept: uploads or processing already done on the platform resume later.
            .set({ errorCode: 'rate_limited', errorMessage: error.message })
            .where(eq(postTargets.id, target.id));
          await enqueueTarget(deps, tx, {
            targetId: target.id,
            at,
            priority: target.priority,
            status: 'deferred',
          });
          return { status: 'deferred', outcome: 'rate_limited' };
        }
        if (error.kind === 'transient' && attempts < target.maxAttempts) {
          const at = new Date(
            now.getTime() + retryDelayMs({ attempt: attempts, baseSeconds: deps.config.retryBaseSeconds }),
          );
          await logAttempt({ outcome: 'retry', errorCode, errorMessage: error.message, rateLimit });
          // A timeout or a 5xx may hide a post the platform did accept: check before trying again.
          await tx
            .update(postTargets)
            .set({
              attempts,
              errorCode,
              errorMessage: error.message,
              // A resume keeps its saved state (the adapter continues from it); otherwise, until a
              // reconcile has answered, every later run must ask before it posts.
              publishState:
                claim.mode === 'resume'
                  ? target.publishState
                  : outcome.calledPublish || claim.mode === 'reconcile'
                    ? { reconcile: true }
                    : null,
            })
            .where(eq(postTargets.id, target.id));
          await enqueueTarget(deps, tx, {
            targetId: target.id,
            at,
            priority: target.priority,
            status: 'retrying',
          });
          return { status: 'retrying', outcome: 'retry' };
        }
        const message =
          error.kind === 'transient'
            ? `${error.message} (gave up after ${attempts} attempts)`
            : error.message;
        const logged: AttemptOutcome = error.kind === 'duplicate' ? 'duplicate' : 'failed';
        await logAttempt({ outcome: logged, errorCode, errorMessage: error.message, rateLimit });
        await tx
          .update(postTargets)
          .set({ attempts, publishState: null })
          .where(eq(postTargets.id, target.id));
        await finish(tx, target.id, { status: 'failed', errorCode, errorMessage: message });
        return { status: 'failed', outcome: logged };
      }
    }
  });
}
