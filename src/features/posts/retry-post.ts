/**
 * Retries a post's failed (or missed) targets, and only those, due now with a fresh attempt budget.
 * Also resolves a target whose outcome is unknown: the user says it went out, or asks to retry (which
 * asks the platform first, unless it offers no way to check). A retry never clears the saved state
 * that makes a run ask the platform before posting.
 */
import { eq } from 'drizzle-orm';
import { postTargets, publishAttempts } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { enqueueTarget } from '../publishing/enqueue.ts';
import { findPostForUpdate } from './find-post-for-update.ts';
import { getPost } from './get-post.ts';
import type { PostView } from './posts.schemas.ts';

const RETRYABLE = ['failed', 'missed'] as const;

export async function retryPost(
  deps: Deps,
  options: { workspaceId: string; postId: string; targetId?: string },
): Promise<PostView> {
  await deps.db.transaction(async (tx) => {
    const { post, targets } = await findPostForUpdate(tx, options);
    const chosen = options.targetId ? targets.filter((t) => t.id === options.targetId) : targets;
    if (options.targetId && !chosen.length) throw new AppError('not_found', 'target not found');
    const retryable = chosen.filter((t) => (RETRYABLE as readonly string[]).includes(t.status));
    if (!retryable.length) {
      throw new AppError(
        'conflict',
        `nothing to retry: only failed or missed targets can be retried (these are ${[...new Set(chosen.map((t) => t.status))].join(', ')})`,
      );
    }
    const now = deps.clock.now();
    for (const target of retryable) {
      await tx
        .update(postTargets)
        .set({ attempts: 0, errorCode: null, errorMessage: null })
        .where(eq(postTargets.id, target.id));
      await enqueueTarget(deps, tx, {
        targetId: target.id,
        at: now,
        priority: post.priority,
        status: 'retrying',
      });
    }
  });
  return getPost(deps.db, options);
}

export async function resolveTarget(
  deps: Deps,
  options: {
    workspaceId: string;
    postId: string;
    targetId: string;
    action: 'mark_published' | 'retry';
    remoteUrl?: string | undefined;
    userId: string;
  },
): Promise<PostView> {
  await deps.db.transaction(async (tx) => {
    const { post, targets } = await findPostForUpdate(tx, options);
    const target = targets.find((t) => t.id === options.targetId);
    if (!target) throw new AppError('not_found', 'target not found');
    if (target.status !== 'unknown') {
      throw new AppError(
        'conflict',
        `only a target whose outcome is unknown can be resolved; this one is ${target.status}`,
      );
    }
    const now = deps.clock.now();
    if (options.action === 'mark_published') {
      await tx
        .update(postTargets)
        .set({
          status: 'published',
          remoteUrl: options.remoteUrl ?? null,
          publishState: null,
          errorCode: null,
          errorMessage: null,
        })
        .where(eq(postTargets.id, target.id));
      await tx.insert(publishAttempts).values({
        targetId: target.id,
        workspaceId: target.workspaceId,
        workerId: `user:${options.userId}`,
        attemptNumber: target.attempts,
        startedAt: now,
        finishedAt: now,
        durationMs: 0,
        outcome: 'reconciled',
        errorMessage: 'marked published by a user',
      });
      return;
    }
    // Where the platform offers no way to check (`unknown_outcome`), the person looked and it is not
    // there: post again. Otherwise the doubt came from calls nobody could answer (a timeout, a lookup
    // that failed): the saved state stays, so the run asks the platform before it posts again.
    const platformCannotCheck = target.errorCode === 'unknown_outcome';
    await enqueueTarget(deps, tx, {
      targetId: target.id,
      at: now,
      priority: post.priority,
      status: 'retrying',
      values: {
        attempts: 0,
        errorCode: null,
        errorMessage: null,
        ...(platformCannotCheck ? { publishState: null } : {}),
      },
    });
  });
  return getPost(deps.db, options);
}
