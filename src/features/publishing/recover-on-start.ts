/**
 * At start: say what happened to targets that came due while Herald was down (published now, or
 * marked missed past the configured window), and re-create the job of any runnable target that has
 * lost it, so no target can sit forever without a job.
 */
import { and, eq, lt, sql } from 'drizzle-orm';
import { rowsOf } from '../../db/client.ts';
import { postTargets } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { queues } from '../../queue/boss.ts';
import { lockTarget } from '../posts/lock-post.ts';
import { finish } from './claim-target.ts';
import { cancelJob, enqueueTarget } from './enqueue.ts';

export type Recovery = { overdue: number; missed: number; requeued: number };

export async function recoverOnStart(deps: Deps): Promise<Recovery> {
  const now = deps.clock.now();
  const windowStart = new Date(now.getTime() - deps.config.missedWindowMinutes * 60_000);

  const missedTargets = await deps.db
    .select({
      id: postTargets.id,
      postId: postTargets.postId,
      jobId: postTargets.jobId,
      scheduledAt: postTargets.scheduledAt,
    })
    .from(postTargets)
    .where(
      and(
        eq(postTargets.status, 'scheduled'),
        eq(postTargets.attempts, 0),
        lt(postTargets.scheduledAt, windowStart),
      ),
    )
    .orderBy(postTargets.postId);
  for (const target of missedTargets) {
    await deps.db.transaction(async (tx) => {
      const current = await lockTarget(tx, target.id);
      if (current?.status !== 'scheduled') return;
      if (target.jobId) await cancelJob(deps, tx, target.jobId);
      const late = Math.round((now.getTime() - (target.scheduledAt?.getTime() ?? now.getTime())) / 60_000);
      await finish(tx, target.id, {
        status: 'missed',
        errorCode: 'missed',
        errorMessage: `not published: Herald was not running at the scheduled time and it is now ${late} minutes late, past the ${deps.config.missedWindowMinutes}-minute window`,
      });
    });
  }

  const [overdue] = rowsOf<{ n: number }>(
    await deps.db.execute(sql`select count(*)::int as n from post_targets
      where status in ('scheduled','retrying','deferred') and next_attempt_at < ${now}`),
  );

  // Runnable targets whose job is gone (e.g. pg-boss gave up after repeated worker crashes).
  const orphans = rowsOf<{
    id: string;
    post_id: string;
    priority: number;
    status: string;
    next_attempt_at: string | null;
  }>(
    await deps.db
      .execute(sql`select t.id, t.post_id, t.priority, t.status, t.next_attempt_at from post_targets t
      where t.status in ('scheduled','retrying','deferred','publishing')
        and not exists (select 1 from pgboss.job j where j.name = ${queues.publish} and j.id = t.job_id
                          and j.state in ('created','retry','active'))
      order by t.post_id`),
  );
  for (const orphan of orphans) {
    await deps.db.transaction(async (tx) => {
      const current = await lockTarget(tx, orphan.id);
      if (!current || !['scheduled', 'retrying', 'deferred', 'publishing'].includes(current.status)) return;
      const due = orphan.next_attempt_at ? new Date(orphan.next_attempt_at) : now;
      await enqueueTarget(deps, tx, {
        targetId: orphan.id,
        at: new Date(Math.max(due.getTime(), now.getTime())),
        priority: orphan.priority,
        status: current.status,
      });
    });
  }

  const recovery = { overdue: overdue?.n ?? 0, missed: missedTargets.length, requeued: orphans.length };
  if (recovery.missed) {
    deps.log.warn(
      { missed: recovery.missed, windowMinutes: deps.config.missedWindowMinutes },
      `marked ${recovery.missed} targets missed: they were due more than ${deps.config.missedWindowMinutes} minutes ago while Herald was down`,
    );
  }
  if (recovery.overdue) {
    deps.log.info(
      { overdue: recovery.overdue },
      `${recovery.overdue} targets came due while Herald was down; publishing them now`,
    );
  }
  if (recovery.requeued)
    deps.log.warn(
      { requeued: recovery.requeued },
      `re-created jobs for ${recovery.requeued} targets that had lost theirs`,
    );
  return recovery;
}
