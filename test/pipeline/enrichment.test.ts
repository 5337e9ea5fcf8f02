/**
 * AI enrichment behind one interface: the offline provider on real text, an OpenAI-compatible server
 * and an Anthropic-shaped one (usage figures recorded and priced, malformed answers retried a bounded
 * number of times, then failed with the reply kept), and the budget holding under 20 concurrent
 * enrichments.
 */
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aiSettings, aiUsage, processingLogs, sourceItems } from '../../src/db/schema.ts';
import { updateAiSettings } from '../../src/features/ai/ai-settings.ts';
import { basicEnrichment } from '../../src/features/ai/basic-provider.ts';
import { enrichItem } from '../../src/features/ai/enrich-item.ts';
import { newUser, newWorkspace } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import { type LlmServer, startLlmServer, validEnrichment } from './llm-servers.ts';
import { newItem, newSource } from './support.ts';

let herald: TestHerald;
let openai: LlmServer;
let anthropic: LlmServer;

beforeAll(async () => {
  herald = await startHerald();
  openai = await startLlmServer({ kind: 'openai', apiKey: 'sk-test-openai' });
  anthropic = await startLlmServer({ kind: 'anthropic', apiKey: 'sk-ant-test' });
});

afterAll(async () => {
  await openai?.close();
  await anthropic?.close();
  await herald?.close();
});

async function workspaceWithItem(options: { title?: string; body?: string } = {}) {
  const owner = await newUser(herald.deps);
  const workspace = await newWorkspace(herald.deps, { owner: owner.id });
  const source = await newSource(herald.deps, { workspaceId: workspace.id });
  const item = await newItem(herald.deps, { workspaceId: workspace.id, sourceId: source.id, ...options });
  return { workspaceId: workspace.id, sourceId: source.id, itemId: item.id };
}

const itemRow = async (id: string) =>
  (await herald.deps.db.select().from(sourceItems).where(eq(sourceItems.id, id)))[0]!;
const usageOf = (workspaceId: string) =>
  herald.deps.db
    .select()
    .from(aiUsage)
    .where(eq(aiUsage.workspaceId, workspaceId))
    .orderBy(asc(aiUsage.createdAt), asc(aiUsage.id));

const NAS_TEXT =
  'My home NAS keeps dying. The disks fail every few months and it is really frustrating to rebuild the array. ' +
  'I back up to an external drive but restoring takes a whole weekend. ' +
  'I wish there was a simple health dashboard that warned me before a disk fails. ' +
  'Is there a tool that watches SMART data and emails me?';

describe('the offline provider', () => {
  it('summarises, tags and picks pain points and ideas from the text’s own sentences', () => {
    const output = basicEnrichment({
      title: 'NAS disks keep failing',
      body: NAS_TEXT,
      url: null,
      comments: [{ author: 'x', body: 'Same here, the rebuild is painful and slow.', score: 3 }],
    });
    const sentences = `NAS disks keep failing. ${NAS_TEXT} Same here, the rebuild is painful and slow.`;
    for (const sentence of [...output.painPoints, ...output.productIdeas])
      expect(sentences).toContain(sentence);
    expect(output.painPoints).toContain(
      'The disks fail every few months and it is really frustrating to rebuild the array.',
    );
    expect(output.painPoints).toContain('Same here, the rebuild is painful and slow.');
    expect(output.productIdeas).toEqual([
      'I wish there was a simple health dashboard that warned me before a disk fails.',
      'Is there a tool that watches SMART data and emails me?',
    ]);
    expect(output.tags).toContain('disk');
    expect(output.summary.length).toBeGreaterThan(20);
    expect(
      NAS_TEXT.includes(output.summary.split('. ')[1] ?? output.summary) || output.summary.startsWith('NAS'),
    ).toBe(true);
  });

  it('is the default: enriches with no key and no network, labelled basic, and bills nothing', async () => {
    const { workspaceId, itemId } = await workspaceWithItem({
      title: 'NAS disks keep failing',
      body: NAS_TEXT,
    });
    expect(await enrichItem(herald.deps, { itemId })).toEqual({ status: 'enriched', attempts: 1 });
    const row = await itemRow(itemId);
    expect(row.stage).toBe('enriched');
    expect(row.aiOutput).toMatchObject({ provider: 'basic', basic: true });
    expect(await usageOf(workspaceId)).toEqual([]);
  });
});

describe('OpenAI-compatible Chat Completions', () => {
  it('asks for JSON-schema output, retries malformed answers, records and prices every call', async () => {
    const { workspaceId, itemId } = await workspaceWithItem({ title: 'NAS', body: NAS_TEXT });
    await updateAiSettings(herald.deps, {
      workspaceId,
      input: {
        provider: 'openai',
        model: 'local-model',
        baseUrl: `${openai.url}/v1`,
        apiKey: 'sk-test-openai',
        prices: { 'local-model': { input: 1, output: 2 } },
        maxRetries: 2,
      },
    });
    const [stored] = await herald.deps.db
      .select()
      .from(aiSettings)
      .where(eq(aiSettings.workspaceId, workspaceId));
    expect(stored!.apiKey).not.toContain('sk-test-openai');
    openai.script.push(
      { text: 'Sure! Here is the analysis you asked for.', inputTokens: 400, outputTokens: 20 },
      { text: '{"summary": 5, "tags": []}', inputTokens: 400, outputTokens: 10 },
      {
        text: validEnrichment('Disks fail; people want a health dashboard.'),
        inputTokens: 450,
        outputTokens: 120,
      },
    );
    const before = openai.requests.length;
    expect(await enrichItem(herald.deps, { itemId })).toEqual({ status: 'enriched', attempts: 3 });
    const sent = openai.requests.slice(before);
    expect(sent).toHaveLength(3);
    expect(sent[0]!.body).toMatchObject({
      model: 'local-model',
      response_format: { type: 'json_schema', json_schema: { name: 'enrichment', strict: true } },
    });
    expect(JSON.stringify(sent[0]!.body.messages)).toContain('My home NAS keeps dying.');
    const usage = await usageOf(workspaceId);
    expect(
      usage.map((u) => [u.provider, u.model, u.outcome, u.inputTokens, u.outputTokens, u.costMicros]),
    ).toEqual([
      ['openai', 'local-model', 'malformed', 400, 20, 440],
      ['openai', 'local-model', 'malformed', 400, 10, 420],
      ['openai', 'local-model', 'succeeded', 450, 120, 690],
    ]);
    const row = await itemRow(itemId);
    expect(row.aiOutput).toMatchObject({
      summary: 'Disks fail; people want a health dashboard.',
      basic: false,
    });
    const logs = await herald.deps.db
      .select({ outcome: processingLogs.outcome })
      .from(processingLogs)
      .where(eq(processingLogs.itemId, itemId))
      .orderBy(asc(processingLogs.createdAt));
    expect(logs.map((l) => l.outcome)).toEqual(['retry', 'retry', 'ok']);
  });

  it('marks the item failed when the API refuses the call', async () => {
    const { workspaceId, itemId } = await workspaceWithItem();
    await updateAiSettings(herald.deps, {
      workspaceId,
      input: { provider: 'openai', model: 'm', baseUrl: `${openai.url}/v1`, apiKey: 'wrong-key' },
    });
    const outcome = await enrichItem(herald.deps, { itemId });
    expect(outcome).toMatchObject({ status: 'failed' });
    expect((await itemRow(itemId)).error).toMatch(/OpenAI-compatible API refused the call: 401/);
    expect((await usageOf(workspaceId)).map((u) => [u.outcome, u.costMicros])).toEqual([['failed', 0]]);
  });
});

describe('Anthropic Messages', () => {
  it('gives up after the retry limit with the last reply kept', async () => {
    const { workspaceId, itemId } = await workspaceWithItem();
    await updateAiSettings(herald.deps, {
      workspaceId,
      input: {
        provider: 'anthropic',
        model: 'claude-test',
        baseUrl: anthropic.url,
        apiKey: 'sk-ant-test',
        prices: { 'claude-test': { input: 3, output: 15 } },
        maxRetries: 1,
      },
    });
    anthropic.script.push(
      { text: '{"summary": "half', outputTokens: 5 },
      { text: '{"summary": ""}', outputTokens: 7 },
    );
    const outcome = await enrichItem(herald.deps, { itemId });
    expect(outcome).toMatchObject({ status: 'failed' });
    const row = await itemRow(itemId);
    expect(row).toMatchObject({ stage: 'failed', aiReply: '{"summary": ""}' });
    expect(row.error).toMatch(/malformed 2 times; last: summary/);
    expect((await usageOf(workspaceId)).map((u) => [u.provider, u.outcome, u.costMicros])).toEqual([
      ['anthropic', 'malformed', 500 * 3 + 5 * 15],
      ['anthropic', 'malformed', 500 * 3 + 7 * 15],
    ]);
    expect(anthropic.requests.at(-1)!.body).toMatchObject({ model: 'claude-test', max_tokens: 800 });

    anthropic.script.push({ text: validEnrichment('Now it works.') });
    expect(await enrichItem(herald.deps, { itemId, force: true })).toMatchObject({ status: 'enriched' });
  });
});

describe('the budget', () => {
  it('lets 20 concurrent enrichments spend no more than the daily budget; the rest wait for the reset', async () => {
    const owner = await newUser(herald.deps);
    const { id: workspaceId } = await newWorkspace(herald.deps, { owner: owner.id });
    const source = await newSource(herald.deps, { workspaceId });
    const items = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        newItem(herald.deps, { workspaceId, sourceId: source.id, title: `Budget ${i}` }),
      ),
    );
    // Only output is priced (10 micro-USD a token) and every answer uses the whole allowance, so each
    // call costs exactly its estimate: 800 × 10 = 8,000 micro-USD. 0.05 USD pays for 6.
    await updateAiSettings(herald.deps, {
      workspaceId,
      input: {
        provider: 'openai',
        model: 'budget-model',
        baseUrl: `${openai.url}/v1`,
        apiKey: 'sk-test-openai',
        prices: { 'budget-model': { input: 0, output: 10 } },
        maxOutputTokens: 800,
        dailyBudgetUsd: 0.05,
      },
    });
    openai.setFallback({ text: validEnrichment(), inputTokens: 300, outputTokens: 800 });
    const outcomes = await Promise.all(items.map((item) => enrichItem(herald.deps, { itemId: item.id })));
    const enriched = outcomes.filter((o) => o.status === 'enriched');
    const waiting = outcomes.filter((o) => o.status === 'budget_exhausted');
    expect(enriched).toHaveLength(6);
    expect(waiting).toHaveLength(14);
    const usage = await usageOf(workspaceId);
    const spent = usage.reduce((n, u) => n + u.costMicros, 0);
    expect(spent).toBeLessThanOrEqual(50_000);
    expect(usage.every((u) => u.outcome === 'succeeded')).toBe(true);

    const now = herald.deps.clock.now();
    const midnight = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
    const exhausted = await herald.deps.db
      .select()
      .from(sourceItems)
      .where(eq(sourceItems.stage, 'budget_exhausted'));
    const mine = exhausted.filter((row) => row.workspaceId === workspaceId);
    expect(mine).toHaveLength(14);
    expect(mine.every((row) => row.budgetResetsAt?.getTime() === midnight.getTime())).toBe(true);
    const [job] = await herald.deps.queue.findJobs('enrich-item', { data: { itemId: mine[0]!.id } });
    expect(job?.startAfter.getTime()).toBe(midnight.getTime());

    // Raising the budget sends them back at once.
    await updateAiSettings(herald.deps, { workspaceId, input: { dailyBudgetUsd: 1 } });
    const back = await herald.deps.db.select().from(sourceItems).where(eq(sourceItems.sourceId, source.id));
    expect(back.filter((row) => row.stage === 'collected')).toHaveLength(14);
    openai.setFallback({ text: validEnrichment(), inputTokens: 500, outputTokens: 100 });
  });
});
