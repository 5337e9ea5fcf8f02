/**
 * Enriches one source item with the workspace's provider. A metered call is reserved against the
 * budget first; without room the item waits as `budget_exhausted` until the period turns (a job is
 * queued for then) or the budget is raised. A malformed answer is retried up to the workspace's
 * limit, each try a call of its own on the bill; after the last, the item is `failed` with the reply
 * kept for review. Every call and every step is on record.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { sourceItems } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../errors.ts';
import { enqueueEnrichment } from '../pipeline/enqueue-enrichment.ts';
import { logStep } from '../pipeline/log-step.ts';
import { loadAiSettings, priceOf } from './ai-settings.ts';
import { costMicros, estimateTokens, reserveBudget, settleUsage } from './budget.ts';
import { type EnrichInput, parseEnrichment, renderPrompt } from './enrichment.ts';
import { providerFor } from './provider.ts';

/** Stages from which an item may be (re-)enriched. */
export const enrichableStages = ['collected', 'budget_exhausted', 'failed', 'enriched'] as const;

export type EnrichOutcome =
  | { status: 'enriched'; attempts: number }
  | { status: 'budget_exhausted'; resetsAt: Date }
  | { status: 'failed'; error: string }
  | { status: 'skipped'; stage: string };

export async function enrichItem(
  deps: Deps,
  options: { itemId: string; workspaceId?: string; force?: boolean },
): Promise<EnrichOutcome> {
  const [item] = await deps.db
    .select()
    .from(sourceItems)
    .where(
      and(
        eq(sourceItems.id, options.itemId),
        options.workspaceId ? eq(sourceItems.workspaceId, options.workspaceId) : undefined,
      ),
    );
  if (!item) throw notFound('item');
  const allowed: readonly string[] = options.force ? enrichableStages : ['collected', 'budget_exhausted'];
  if (item.duplicateOf || !allowed.includes(item.stage)) return { status: 'skipped', stage: item.stage };

  const settings = await loadAiSettings(deps, item.workspaceId);
  const provider = providerFor({ ...settings, fetch: deps.fetch });
  const input: EnrichInput = { title: item.title, body: item.body, url: item.url, comments: item.context };
  const price = priceOf(settings, settings.model);
  const estimate = costMicros(price, {
    input: estimateTokens(settings.prompts.system + renderPrompt(settings.prompts.user, input)),
    output: settings.maxOutputTokens,
  });
  const log = (entry: Omit<Parameters<typeof logStep>[1], 'workspaceId' | 'itemId' | 'step'>) =>
    logStep(deps.db, { workspaceId: item.workspaceId, itemId: item.id, step: 'enrich', ...entry });
  const setItem = (values: Partial<typeof sourceItems.$inferInsert>) =>
    deps.db
      .update(sourceItems)
      .set({ ...values, updatedAt: sql`now()` })
      .where(and(eq(sourceItems.id, item.id), inArray(sourceItems.stage, [...enrichableStages])));

  let lastReply = '';
  let lastProblem = '';
  const tries = settings.maxRetries + 1;
  for (let attempt = 1; attempt <= tries; attempt++) {
    let usageId: string | null = null;
    if (provider.metered) {
      const reservation = await reserveBudget(deps, {
        workspaceId: item.workspaceId,
        itemId: item.id,
        provider: provider.id,
        model: settings.model,
        estimateMicros: estimate,
      });
      if (reservation.kind === 'exhausted') {
        await deps.db.transaction(async (tx) => {
          await tx
            .update(sourceItems)
            .set({ stage: 'budget_exhausted', budgetResetsAt: reservation.resetsAt, updatedAt: sql`now()` })
            .where(eq(sourceItems.id, item.id));
          await enqueueEnrichment(deps, tx, { itemId: item.id, at: reservation.resetsAt });
          await logStep(tx, {
            workspaceId: item.workspaceId,
            itemId: item.id,
            step: 'enrich',
            outcome: 'budget_exhausted',
            details: {
              period: reservation.period,
              resetsAt: reservation.resetsAt.toISOString(),
              spentMicros: reservation.spentMicros,
              budgetMicros: reservation.budgetMicros,
              estimateMicros: estimate,
            },
          });
        });
        return { status: 'budget_exhausted', resetsAt: reservation.resetsAt };
      }
      usageId = reservation.usageId;
    }
    const started = Date.now();
    let reply;
    try {
      reply = await provider.complete(input, {});
    } catch (error) {
      const message = (error as Error).message;
      if (usageId) {
        await settleUsage(deps, {
          usageId,
          outcome: 'failed',
          inputTokens: 0,
          outputTokens: 0,
          costMicros: 0,
          durationMs: Date.now() - started,
          error: message,
        });
      }
      await setItem({ stage: 'failed', error: message });
      await log({
        outcome: 'failed',
        durationMs: Date.now() - started,
        error: message,
        details: { attempt },
      });
      return { status: 'failed', error: message };
    }
    const durationMs = Date.now() - started;
    const parsed = parseEnrichment(reply.text);
    const cost = costMicros(price, { input: reply.inputTokens, output: reply.outputTokens });
    if (usageId) {
      await settleUsage(deps, {
        usageId,
        outcome: 'output' in parsed ? 'succeeded' : 'malformed',
        inputTokens: reply.inputTokens,
        outputTokens: reply.outputTokens,
        costMicros: cost,
        durationMs,
        error: 'problem' in parsed ? parsed.problem : null,
      });
    }
    if ('output' in parsed) {
      await setItem({
        stage: 'enriched',
        aiOutput: {
          ...parsed.output,
          provider: provider.id,
          model: settings.model,
          basic: provider.id === 'basic',
        },
        aiReply: null,
        error: null,
        budgetResetsAt: null,
      });
      await log({
        outcome: 'ok',
        durationMs,
        details: { attempt, provider: provider.id, model: settings.model },
      });
      return { status: 'enriched', attempts: attempt };
    }
    lastReply = reply.text;
    lastProblem = parsed.problem;
    await log({ outcome: 'retry', durationMs, error: parsed.problem, details: { attempt } });
  }
  const error = `the provider's answer was malformed ${tries} times; last: ${lastProblem}`;
  await setItem({ stage: 'failed', error, aiReply: lastReply.slice(0, 20_000) });
  await log({ outcome: 'failed', error });
  return { status: 'failed', error };
}
