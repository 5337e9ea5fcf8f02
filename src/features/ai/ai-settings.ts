/**
 * A workspace's AI settings: provider, model, base URL, key (encrypted, never returned), prompts,
 * price table, budgets, and the takedown grace period. A workspace without a row uses the offline
 * provider with the default prompts and no budget.
 */
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { aiProviders, aiSettings, sourceItems } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { invalidField } from '../../errors.ts';
import { enqueueEnrichment } from '../pipeline/enqueue-enrichment.ts';
import { and } from 'drizzle-orm';
import { defaultPrompts, type Prompts } from './enrichment.ts';
import type { Price } from './budget.ts';

const price = z.object({ input: z.number().min(0).max(1000), output: z.number().min(0).max(1000) });

export const aiSettingsInput = z
  .object({
    provider: z.enum(aiProviders),
    model: z.string().trim().min(1).max(200),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .max(500)
      .nullable(),
    /** A new key; omit to keep the stored one, null to remove it. */
    apiKey: z.string().min(1).max(500).nullable(),
    prompts: z.object({ system: z.string().min(1).max(8000), user: z.string().min(1).max(8000) }).partial(),
    /** USD per million tokens, by model. */
    prices: z.record(z.string().min(1).max(200), price),
    /** USD; null: no limit. */
    dailyBudgetUsd: z.number().min(0).max(1_000_000).nullable(),
    monthlyBudgetUsd: z.number().min(0).max(1_000_000).nullable(),
    maxOutputTokens: z.number().int().min(64).max(32_000),
    maxRetries: z.number().int().min(0).max(5),
    takedownGraceMinutes: z
      .number()
      .int()
      .min(0)
      .max(60 * 24 * 30),
  })
  .partial();
export type AiSettingsInput = z.infer<typeof aiSettingsInput>;

export const aiSettingsView = z
  .object({
    provider: z.enum(aiProviders),
    model: z.string(),
    baseUrl: z.string().nullable(),
    hasApiKey: z.boolean(),
    prompts: z.object({ system: z.string(), user: z.string() }),
    prices: z.record(z.string(), price),
    dailyBudgetUsd: z.number().nullable(),
    monthlyBudgetUsd: z.number().nullable(),
    maxOutputTokens: z.number().int(),
    maxRetries: z.number().int(),
    takedownGraceMinutes: z.number().int(),
    /** The offline provider picks sentences from the text itself. */
    basic: z.boolean(),
  })
  .meta({ id: 'AiSettings' });
export type AiSettingsView = z.infer<typeof aiSettingsView>;

type Row = typeof aiSettings.$inferSelect;

export type LoadedAiSettings = Omit<Row, 'apiKey' | 'prompts'> & { apiKey: string | null; prompts: Prompts };

const defaults = (workspaceId: string): Row => ({
  workspaceId,
  provider: 'basic',
  model: 'basic',
  baseUrl: null,
  apiKey: null,
  prompts: {},
  prices: {},
  dailyBudgetMicros: null,
  monthlyBudgetMicros: null,
  maxOutputTokens: 800,
  maxRetries: 2,
  takedownGraceMinutes: 1440,
  updatedAt: new Date(0),
});

async function readRow(deps: Deps, workspaceId: string): Promise<Row> {
  const [row] = await deps.db.select().from(aiSettings).where(eq(aiSettings.workspaceId, workspaceId));
  return row ?? defaults(workspaceId);
}

/** Settings with the key decrypted, for the enrichment step only. */
export async function loadAiSettings(deps: Deps, workspaceId: string): Promise<LoadedAiSettings> {
  const row = await readRow(deps, workspaceId);
  return {
    ...row,
    apiKey: row.apiKey ? deps.secrets.decrypt(row.apiKey) : null,
    prompts: { ...defaultPrompts, ...row.prompts },
  };
}

export const priceOf = (settings: { prices: Record<string, Price> }, model: string): Price =>
  settings.prices[model] ?? { input: 0, output: 0 };

const usd = (micros: number | null) => (micros === null ? null : micros / 1_000_000);
const micros = (value: number | null) => (value === null ? null : Math.round(value * 1_000_000));

function toView(row: Row): AiSettingsView {
  return {
    provider: row.provider,
    model: row.model,
    baseUrl: row.baseUrl,
    hasApiKey: row.apiKey !== null,
    prompts: { ...defaultPrompts, ...row.prompts },
    prices: row.prices,
    dailyBudgetUsd: usd(row.dailyBudgetMicros),
    monthlyBudgetUsd: usd(row.monthlyBudgetMicros),
    maxOutputTokens: row.maxOutputTokens,
    maxRetries: row.maxRetries,
    takedownGraceMinutes: row.takedownGraceMinutes,
    basic: row.provider === 'basic',
  };
}

export async function getAiSettings(deps: Deps, options: { workspaceId: string }): Promise<AiSettingsView> {
  return toView(await readRow(deps, options.workspaceId));
}

/**
 * Saves settings. Raising or removing a budget sends the items waiting for it back to enrichment now,
 * instead of at the period's turn.
 */
export async function updateAiSettings(
  deps: Deps,
  options: { workspaceId: string; input: AiSettingsInput },
): Promise<AiSettingsView> {
  const { input } = options;
  const current = await readRow(deps, options.workspaceId);
  const provider = input.provider ?? current.provider;
  if (provider === 'anthropic' && input.apiKey === undefined && !current.apiKey && !input.baseUrl) {
    throw invalidField('apiKey', 'the Anthropic API needs a key');
  }
  const next: Row = {
    ...current,
    provider,
    model:
      input.model ??
      (input.provider && input.provider !== current.provider
        ? input.provider === 'basic'
          ? 'basic'
          : current.model
        : current.model),
    baseUrl: input.baseUrl === undefined ? current.baseUrl : input.baseUrl,
    apiKey:
      input.apiKey === undefined
        ? current.apiKey
        : input.apiKey === null
          ? null
          : deps.secrets.encrypt(input.apiKey),
    prompts: { ...current.prompts, ...input.prompts },
    prices: input.prices ?? current.prices,
    dailyBudgetMicros:
      input.dailyBudgetUsd === undefined ? current.dailyBudgetMicros : micros(input.dailyBudgetUsd),
    monthlyBudgetMicros:
      input.monthlyBudgetUsd === undefined ? current.monthlyBudgetMicros : micros(input.monthlyBudgetUsd),
    maxOutputTokens: input.maxOutputTokens ?? current.maxOutputTokens,
    maxRetries: input.maxRetries ?? current.maxRetries,
    takedownGraceMinutes: input.takedownGraceMinutes ?? current.takedownGraceMinutes,
  };
  const { workspaceId: _workspaceId, updatedAt: _updatedAt, ...values } = next;
  await deps.db.transaction(async (tx) => {
    await tx
      .insert(aiSettings)
      .values({ ...values, workspaceId: options.workspaceId })
      .onConflictDoUpdate({ target: aiSettings.workspaceId, set: { ...values, updatedAt: sql`now()` } });
    const raised =
      input.dailyBudgetUsd !== undefined ||
      input.monthlyBudgetUsd !== undefined ||
      (input.provider !== undefined && input.provider !== current.provider);
    if (raised) {
      const waiting = await tx
        .update(sourceItems)
        .set({ stage: 'collected', budgetResetsAt: null })
        .where(
          and(eq(sourceItems.workspaceId, options.workspaceId), eq(sourceItems.stage, 'budget_exhausted')),
        )
        .returning({ id: sourceItems.id });
      for (const item of waiting) await enqueueEnrichment(deps, tx, { itemId: item.id });
    }
  });
  return toView(next);
}
