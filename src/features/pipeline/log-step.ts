/** Seed 004 `processing_logs`: one row per pipeline step, whatever its outcome. */
import type { Queryable } from '../../db/client.ts';
import { processingLogs } from '../../db/schema.ts';

export type StepLog = {
  workspaceId: string;
  sourceId?: string | null;
  itemId?: string | null;
  step: 'collect' | 'enrich' | 'draft' | 'approve' | 'reject' | 'schedule' | 'takedown' | 'gone_at_source';
  outcome: 'ok' | 'not_modified' | 'failed' | 'retry' | 'budget_exhausted' | 'skipped' | 'duplicate';
  durationMs?: number | null;
  error?: string | null;
  details?: Record<string, unknown>;
};

export async function logStep(db: Queryable, entry: StepLog): Promise<void> {
  await db.insert(processingLogs).values({
    workspaceId: entry.workspaceId,
    sourceId: entry.sourceId ?? null,
    itemId: entry.itemId ?? null,
    step: entry.step,
    outcome: entry.outcome,
    durationMs: entry.durationMs ?? null,
    error: entry.error ?? null,
    details: entry.details ?? {},
  });
}
