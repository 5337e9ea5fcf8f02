/**
 * Turns an enriched item into a real Herald post, a draft the user edits in the composer: a Ghost
 * article (title; body with the summary, pain points, ideas and an attribution link to the source)
 * on the source's Ghost channel, and a short announcement on each other draft channel, from the
 * workspace's templates. A source with an auto-approve score approves high-scoring drafts at once.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { channels, sourceItems, sources } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError, notFound } from '../../errors.ts';
import { enrichmentOutput } from '../ai/enrichment.ts';
import { createPost } from '../posts/create-post.ts';
import { approveItem } from './approve-item.ts';
import { logStep } from './log-step.ts';

const ANNOUNCEMENT_LIMIT = 260;

export function articleBody(options: {
  summary: string;
  painPoints: string[];
  productIdeas: string[];
  url: string | null;
  author: string | null;
  basic: boolean;
}): string {
  const parts = [options.summary];
  if (options.painPoints.length)
    parts.push(`Pain points\n${options.painPoints.map((p) => `- ${p}`).join('\n')}`);
  if (options.productIdeas.length)
    parts.push(`Ideas\n${options.productIdeas.map((p) => `- ${p}`).join('\n')}`);
  if (options.url) parts.push(`Source: ${options.url}${options.author ? ` (by ${options.author})` : ''}`);
  return parts.join('\n\n');
}

export function announcement(title: string, summary: string, url: string | null): string {
  const tail = url ? `\n\n${url}` : '';
  const room = ANNOUNCEMENT_LIMIT - title.length - tail.length - 2;
  const short = summary.length > room ? `${summary.slice(0, Math.max(0, room - 1)).trimEnd()}…` : summary;
  return `${title}\n\n${short}${tail}`.trim();
}

export async function draftItem(
  deps: Deps,
  options: { itemId: string; workspaceId?: string; authorId: string | null },
): Promise<{ postId: string; approved: boolean }> {
  const [row] = await deps.db
    .select({ item: sourceItems, source: sources })
    .from(sourceItems)
    .innerJoin(sources, eq(sources.id, sourceItems.sourceId))
    .where(
      and(
        eq(sourceItems.id, options.itemId),
        options.workspaceId ? eq(sourceItems.workspaceId, options.workspaceId) : undefined,
      ),
    );
  if (!row) throw notFound('item');
  const { item, source } = row;
  if (item.stage !== 'enriched')
    throw new AppError('conflict', `only an enriched item can be drafted; this one is ${item.stage}`);
  const output = enrichmentOutput.parse(item.aiOutput);
  const channelIds = Array.isArray(source.draftSettings.channelIds)
    ? source.draftSettings.channelIds.map(String)
    : [];
  const targets = channelIds.length
    ? await deps.db
        .select({ id: channels.id, platform: channels.platform })
        .from(channels)
        .where(and(eq(channels.workspaceId, item.workspaceId), inArray(channels.id, channelIds)))
    : [];
  const overrides: Record<string, { content: string }> = {};
  for (const target of targets) {
    if (target.platform !== 'ghost')
      overrides[target.id] = { content: announcement(item.title, output.summary, item.url) };
  }
  const started = Date.now();
  const post = await createPost(deps, {
    workspaceId: item.workspaceId,
    authorId: options.authorId,
    input: {
      title: item.title,
      content: articleBody({
        ...output,
        url: item.url,
        author: item.author,
        basic: Boolean(item.aiOutput?.basic),
      }),
      channelIds: targets.map((t) => t.id),
      mediaIds: [],
      overrides,
      priority: 0,
      maxAttempts: 5,
    },
  });
  await deps.db
    .update(sourceItems)
    .set({ stage: 'drafted', postId: post.id, updatedAt: sql`now()` })
    .where(and(eq(sourceItems.id, item.id), eq(sourceItems.stage, 'enriched')));
  await logStep(deps.db, {
    workspaceId: item.workspaceId,
    itemId: item.id,
    step: 'draft',
    outcome: 'ok',
    durationMs: Date.now() - started,
    details: { postId: post.id, channels: targets.length },
  });
  const autoApprove =
    source.autoApproveScore !== null && (item.score ?? 0) >= source.autoApproveScore && targets.length > 0;
  if (autoApprove)
    await approveItem(deps, { itemId: item.id, workspaceId: item.workspaceId, automatic: true });
  return { postId: post.id, approved: autoApprove };
}
