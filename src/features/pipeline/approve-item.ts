/**
 * Review decisions. Approving a drafted item schedules its post now through the normal publishing
 * engine (every target validated by its platform, one job per target); rejecting sets it aside.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { sourceItems } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError, notFound } from '../../errors.ts';
import { schedulePost } from '../posts/schedule-post.ts';
import { logStep } from './log-step.ts';

async function findItem(deps: Deps, options: { itemId: string; workspaceId: string }) {
  const [item] = await deps.db
    .select()
    .from(sourceItems)
    .where(and(eq(sourceItems.id, options.itemId), eq(sourceItems.workspaceId, options.workspaceId)));
  if (!item) throw notFound('item');
  return item;
}

export async function approveItem(
  deps: Deps,
  options: { itemId: string; workspaceId: string; automatic?: boolean; scheduledAt?: string },
): Promise<void> {
  const item = await findItem(deps, options);
  if (item.stage !== 'drafted' || !item.postId) {
    throw new AppError('conflict', `only a drafted item can be approved; this one is ${item.stage}`);
  }
  await deps.db
    .update(sourceItems)
    .set({ stage: 'approved', updatedAt: sql`now()` })
    .where(eq(sourceItems.id, item.id));
  await logStep(deps.db, {
    workspaceId: item.workspaceId,
    itemId: item.id,
    step: 'approve',
    outcome: 'ok',
    details: { automatic: options.automatic ?? false },
  });
  try {
    await schedulePost(deps, {
      workspaceId: item.workspaceId,
      postId: item.postId,
      ...(options.scheduledAt ? { scheduledAt: options.scheduledAt } : { publishNow: true }),
    });
  } catch (error) {
    // The post needs editing first (a platform refused it): back to review with the reason.
    await deps.db
      .update(sourceItems)
      .set({ stage: 'drafted', error: (error as Error).message, updatedAt: sql`now()` })
      .where(eq(sourceItems.id, item.id));
    await logStep(deps.db, {
      workspaceId: item.workspaceId,
      itemId: item.id,
      step: 'schedule',
      outcome: 'failed',
      error: (error as Error).message,
    });
    throw error;
  }
  await deps.db
    .update(sourceItems)
    .set({ stage: 'scheduled', error: null, updatedAt: sql`now()` })
    .where(eq(sourceItems.id, item.id));
  await logStep(deps.db, { workspaceId: item.workspaceId, itemId: item.id, step: 'schedule', outcome: 'ok' });
}

export async function rejectItem(
  deps: Deps,
  options: { itemId: string; workspaceId: string; reason?: string | undefined },
): Promise<void> {
  const item = await findItem(deps, options);
  const updated = await deps.db
    .update(sourceItems)
    .set({ stage: 'rejected', error: options.reason ?? null, updatedAt: sql`now()` })
    .where(
      and(
        eq(sourceItems.id, item.id),
        inArray(sourceItems.stage, ['collected', 'enriched', 'drafted', 'failed', 'budget_exhausted']),
      ),
    )
    .returning({ id: sourceItems.id });
  if (!updated.length) throw new AppError('conflict', `an item that is ${item.stage} cannot be rejected`);
  await logStep(deps.db, {
    workspaceId: item.workspaceId,
    itemId: item.id,
    step: 'reject',
    outcome: 'ok',
    ...(options.reason ? { details: { reason: options.reason } } : {}),
  });
}
