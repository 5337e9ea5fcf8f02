/** Takedown requests of a workspace with each target's removal status. */
import { desc, eq, inArray } from 'drizzle-orm';
import { postTargets, takedownRequests, takedownTargets } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';

export async function listTakedowns(deps: Deps, options: { workspaceId: string; postId?: string }) {
  const requests = await deps.db
    .select()
    .from(takedownRequests)
    .where(eq(takedownRequests.workspaceId, options.workspaceId))
    .orderBy(desc(takedownRequests.createdAt))
    .limit(200);
  const filtered = options.postId ? requests.filter((r) => r.postId === options.postId) : requests;
  const targets = filtered.length
    ? await deps.db
        .select({
          takedownId: takedownTargets.takedownId,
          targetId: takedownTargets.targetId,
          status: takedownTargets.status,
          error: takedownTargets.error,
          platform: postTargets.platform,
        })
        .from(takedownTargets)
        .innerJoin(postTargets, eq(postTargets.id, takedownTargets.targetId))
        .where(
          inArray(
            takedownTargets.takedownId,
            filtered.map((r) => r.id),
          ),
        )
    : [];
  return filtered.map((r) => ({
    id: r.id,
    postId: r.postId,
    reason: r.reason,
    status: r.status,
    removeAfter: r.removeAfter,
    completedAt: r.completedAt,
    createdAt: r.createdAt,
    targets: targets
      .filter((t) => t.takedownId === r.id)
      .map((t) => ({ targetId: t.targetId, platform: t.platform, status: t.status, error: t.error })),
  }));
}
