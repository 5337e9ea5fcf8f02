/** AI spending between two times: totals, per UTC day (for the chart), and the latest calls. */
import { and, desc, eq, gte, lt, sql } from 'drizzle-orm';
import { aiUsage } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';

export async function getAiUsage(
  deps: Deps,
  options: { workspaceId: string; from?: string | undefined; to?: string | undefined },
) {
  const to = options.to ? new Date(options.to) : deps.clock.now();
  const from = options.from ? new Date(options.from) : new Date(to.getTime() - 30 * 86_400_000);
  const where = and(
    eq(aiUsage.workspaceId, options.workspaceId),
    gte(aiUsage.createdAt, from),
    lt(aiUsage.createdAt, to),
  );
  const days = await deps.db
    .select({
      day: sql<string>`to_char(${aiUsage.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`,
      micros: sql<string>`sum(${aiUsage.costMicros})`,
      calls: sql<number>`count(*)::int`,
      input: sql<string>`sum(${aiUsage.inputTokens})`,
      output: sql<string>`sum(${aiUsage.outputTokens})`,
    })
    .from(aiUsage)
    .where(where)
    .groupBy(sql`1`)
    .orderBy(sql`1`);
  const recent = await deps.db.select().from(aiUsage).where(where).orderBy(desc(aiUsage.createdAt)).limit(50);
  return {
    totalUsd: days.reduce((n, d) => n + Number(d.micros), 0) / 1_000_000,
    calls: days.reduce((n, d) => n + d.calls, 0),
    inputTokens: days.reduce((n, d) => n + Number(d.input), 0),
    outputTokens: days.reduce((n, d) => n + Number(d.output), 0),
    days: days.map((d) => ({ day: d.day, costUsd: Number(d.micros) / 1_000_000, calls: d.calls })),
    recent: recent.map((r) => ({
      id: r.id,
      itemId: r.itemId,
      provider: r.provider,
      model: r.model,
      inputTokens: r.inputTokens,
      outputTokens: r.outputTokens,
      costUsd: r.costMicros / 1_000_000,
      durationMs: r.durationMs,
      outcome: r.outcome,
      createdAt: r.createdAt,
    })),
  };
}
