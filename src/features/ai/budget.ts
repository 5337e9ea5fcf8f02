/**
 * Cost and budget (seed 004 `token_usage`). Every metered call is reserved before it is made: in one
 * transaction that locks the workspace's settings row, the day's and the month's spending (settled
 * calls at their cost, running ones at their estimate) plus this call's estimate is checked against
 * the budgets, and the call is recorded as `reserved` at its estimate. Concurrent enrichments thus
 * queue on that lock and never jointly pass the budget; a call only overshoots when its real cost
 * exceeds its estimate, and the estimate counts the full output allowance.
 */
import { and, eq, gte, sql } from 'drizzle-orm';
import { rowsOf } from '../../db/client.ts';
import { aiSettings, aiUsage } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';

export type Price = { input: number; output: number };

/** USD per million tokens equals millionths of a dollar per token. */
export const costMicros = (price: Price, tokens: { input: number; output: number }) =>
  Math.ceil(tokens.input * price.input + tokens.output * price.output);

/** Tokens in a text, counted generously (about three characters a token) so estimates err high. */
export const estimateTokens = (text: string) => Math.ceil(text.length / 3) + 16;

const startOfDay = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
const startOfMonth = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
const nextDay = (at: Date) => new Date(startOfDay(at).getTime() + 86_400_000);
const nextMonth = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));

export type Reservation =
  | { kind: 'reserved'; usageId: string }
  | { kind: 'exhausted'; period: 'day' | 'month'; resetsAt: Date; spentMicros: number; budgetMicros: number };

export async function reserveBudget(
  deps: Deps,
  options: {
    workspaceId: string;
    itemId: string | null;
    provider: string;
    model: string;
    estimateMicros: number;
  },
): Promise<Reservation> {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    // The lock every reservation of the workspace queues on.
    await tx.insert(aiSettings).values({ workspaceId: options.workspaceId }).onConflictDoNothing();
    const [settings] = rowsOf<{ daily: string | null; monthly: string | null }>(
      await tx.execute(
        sql`select daily_budget_micros as daily, monthly_budget_micros as monthly from ai_settings where workspace_id = ${options.workspaceId} for update`,
      ),
    );
    const monthStart = startOfMonth(now);
    const [spent] = await tx
      .select({
        day: sql<string>`coalesce(sum(${aiUsage.costMicros}) filter (where ${aiUsage.createdAt} >= ${startOfDay(now).toISOString()}::timestamptz), 0)`,
        month: sql<string>`coalesce(sum(${aiUsage.costMicros}), 0)`,
      })
      .from(aiUsage)
      .where(and(eq(aiUsage.workspaceId, options.workspaceId), gte(aiUsage.createdAt, monthStart)));
    const day = Number(spent?.day ?? 0);
    const month = Number(spent?.month ?? 0);
    const daily = settings?.daily === null || settings?.daily === undefined ? null : Number(settings.daily);
    const monthly =
      settings?.monthly === null || settings?.monthly === undefined ? null : Number(settings.monthly);
    if (monthly !== null && month + options.estimateMicros > monthly) {
      return {
        kind: 'exhausted',
        period: 'month',
        resetsAt: nextMonth(now),
        spentMicros: month,
        budgetMicros: monthly,
      };
    }
    if (daily !== null && day + options.estimateMicros > daily) {
      return {
        kind: 'exhausted',
        period: 'day',
        resetsAt: nextDay(now),
        spentMicros: day,
        budgetMicros: daily,
      };
    }
    const [row] = await tx
      .insert(aiUsage)
      .values({
        workspaceId: options.workspaceId,
        itemId: options.itemId,
        provider: options.provider,
        model: options.model,
        estimatedMicros: options.estimateMicros,
        costMicros: options.estimateMicros,
        outcome: 'reserved',
        createdAt: now,
      })
      .returning({ id: aiUsage.id });
    return { kind: 'reserved', usageId: row!.id };
  });
}

/** Replaces a reservation's estimate with what the call really used. */
export async function settleUsage(
  deps: Deps,
  options: {
    usageId: string;
    outcome: 'succeeded' | 'malformed' | 'failed';
    inputTokens: number;
    outputTokens: number;
    costMicros: number;
    durationMs: number;
    error?: string | null;
  },
): Promise<void> {
  await deps.db
    .update(aiUsage)
    .set({
      outcome: options.outcome,
      inputTokens: options.inputTokens,
      outputTokens: options.outputTokens,
      costMicros: options.costMicros,
      durationMs: options.durationMs,
      error: options.error ?? null,
    })
    .where(eq(aiUsage.id, options.usageId));
}
