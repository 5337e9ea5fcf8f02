/**
 * A source item that disappeared at its source (removed or deleted on Reddit) must not stay
 * published here: each post made from it gets a takedown request.
 */
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import { sourceItems } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { logStep } from '../pipeline/log-step.ts';
import { requestTakedown } from './request-takedown.ts';

export async function raiseTakedownsForGoneItems(
  deps: Deps,
  options: { sourceId: string; externalIds: string[] },
): Promise<number> {
  const items = await deps.db
    .select({ id: sourceItems.id, workspaceId: sourceItems.workspaceId, postId: sourceItems.postId })
    .from(sourceItems)
    .where(
      and(
        eq(sourceItems.sourceId, options.sourceId),
        inArray(sourceItems.externalId, options.externalIds),
        isNotNull(sourceItems.postId),
      ),
    );
  let raised = 0;
  for (const item of items) {
    try {
      await requestTakedown(deps, {
        workspaceId: item.workspaceId,
        postId: item.postId!,
        reason: 'the original was removed or deleted at its source',
        requestedBy: null,
      });
      raised++;
      await logStep(deps.db, {
        workspaceId: item.workspaceId,
        itemId: item.id,
        step: 'gone_at_source',
        outcome: 'ok',
      });
    } catch (error) {
      await logStep(deps.db, {
        workspaceId: item.workspaceId,
        itemId: item.id,
        step: 'gone_at_source',
        outcome: 'skipped',
        error: (error as Error).message,
      });
    }
  }
  return raised;
}
