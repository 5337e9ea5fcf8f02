/**
 * One collection run of one source: fetch by kind, store what is new (de-duplicated), and record the
 * run on the source. A failing source backs off (its schedule doubled per consecutive failure, at most
 * a day) and shows its last error; the next success clears both.
 */
import { and, eq, inArray, isNotNull, isNull, notInArray, sql } from 'drizzle-orm';
import { sourceItems, sources } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError, notFound } from '../../errors.ts';
import { logStep } from '../pipeline/log-step.ts';
import { raiseTakedownsForGoneItems } from '../takedowns/raise-for-gone-items.ts';
import { fetchFeed, parseFeedItems } from './fetch-feed.ts';
import { fetchReddit } from './fetch-reddit.ts';
import { saveCollectedItems } from './save-collected-items.ts';
import { configSchemas, type FetchResult } from './source-config.ts';

const MAX_BACKOFF_MINUTES = 24 * 60;

export type CollectOutcome = {
  sourceId: string;
  status: 'ok' | 'not_modified' | 'failed';
  created: number;
  duplicates: number;
  seen: number;
  gone: number;
  error: string | null;
};

/** Minutes until a source that failed `failures` times in a row is tried again. */
export const backoffMinutes = (scheduleMinutes: number, failures: number) =>
  Math.min(scheduleMinutes * 2 ** Math.max(0, failures - 1), MAX_BACKOFF_MINUTES);

type SourceRow = typeof sources.$inferSelect;

async function fetchSource(deps: Deps, source: SourceRow): Promise<FetchResult> {
  switch (source.kind) {
    case 'rss': {
      const config = configSchemas.rss.parse(source.config);
      return fetchFeed(deps, { url: config.url, limit: config.limit, fetchState: source.fetchState });
    }
    case 'sandbox': {
      const config = configSchemas.sandbox.parse(source.config);
      // The sandbox is Herald's own network at an operator-configured address, like a platform's API.
      const response = await deps.fetch(`${deps.config.sandboxUrl}/@${config.username}/feed.json`);
      if (!response.ok) {
        throw new AppError(
          'unavailable',
          `the sandbox answered HTTP ${response.status} for @${config.username}`,
        );
      }
      return {
        items: parseFeedItems(await response.text(), config.limit),
        fetchState: {},
        notModified: false,
        goneIds: [],
      };
    }
    case 'reddit': {
      const config = configSchemas.reddit.parse(source.config);
      // Items that became posts are looked up again: removed at Reddit means taken down here.
      const watched = await deps.db
        .select({ externalId: sourceItems.externalId })
        .from(sourceItems)
        .where(
          and(
            eq(sourceItems.sourceId, source.id),
            isNotNull(sourceItems.postId),
            isNull(sourceItems.goneAtSourceAt),
            notInArray(sourceItems.stage, ['removed', 'rejected', 'duplicate']),
          ),
        )
        .limit(100);
      return fetchReddit(deps, {
        workspaceId: source.workspaceId,
        config,
        watchIds: watched.map((w) => w.externalId),
      });
    }
  }
}

export async function collectSource(
  deps: Deps,
  options: { sourceId: string; workspaceId?: string },
): Promise<CollectOutcome> {
  const [source] = await deps.db
    .select()
    .from(sources)
    .where(
      and(
        eq(sources.id, options.sourceId),
        options.workspaceId ? eq(sources.workspaceId, options.workspaceId) : undefined,
      ),
    );
  if (!source) throw notFound('source');
  const started = Date.now();
  const now = deps.clock.now();
  let result: FetchResult;
  try {
    result = await fetchSource(deps, source);
  } catch (error) {
    const message = (error as Error).message;
    const failures = source.consecutiveFailures + 1;
    await deps.db.transaction(async (tx) => {
      await tx
        .update(sources)
        .set({
          status: source.status === 'paused' ? 'paused' : 'failing',
          lastRunAt: now,
          lastError: message,
          consecutiveFailures: failures,
          nextRunAt: new Date(now.getTime() + backoffMinutes(source.scheduleMinutes, failures) * 60_000),
          updatedAt: sql`now()`,
        })
        .where(eq(sources.id, source.id));
      await logStep(tx, {
        workspaceId: source.workspaceId,
        sourceId: source.id,
        step: 'collect',
        outcome: 'failed',
        durationMs: Date.now() - started,
        error: message,
        details: { consecutiveFailures: failures },
      });
    });
    deps.log.warn({ sourceId: source.id, err: message }, 'source collection failed');
    return {
      sourceId: source.id,
      status: 'failed',
      created: 0,
      duplicates: 0,
      seen: 0,
      gone: 0,
      error: message,
    };
  }
  const saved = await deps.db.transaction(async (tx) => {
    const outcome = await saveCollectedItems(deps, tx, {
      workspaceId: source.workspaceId,
      sourceId: source.id,
      items: result.items,
    });
    await tx
      .update(sources)
      .set({
        status: source.status === 'paused' ? 'paused' : 'active',
        fetchState: result.fetchState,
        lastRunAt: now,
        lastSuccessAt: now,
        lastError: null,
        consecutiveFailures: 0,
        nextRunAt: new Date(now.getTime() + source.scheduleMinutes * 60_000),
        updatedAt: sql`now()`,
      })
      .where(eq(sources.id, source.id));
    if (result.goneIds.length) {
      await tx
        .update(sourceItems)
        .set({ goneAtSourceAt: now, updatedAt: sql`now()` })
        .where(and(eq(sourceItems.sourceId, source.id), inArray(sourceItems.externalId, result.goneIds)));
    }
    await logStep(tx, {
      workspaceId: source.workspaceId,
      sourceId: source.id,
      step: 'collect',
      outcome: result.notModified ? 'not_modified' : 'ok',
      durationMs: Date.now() - started,
      details: {
        fetched: result.items.length,
        created: outcome.created.length,
        duplicates: outcome.duplicates.length,
        seen: outcome.seen,
        gone: result.goneIds.length,
      },
    });
    return outcome;
  });
  if (result.goneIds.length) {
    await raiseTakedownsForGoneItems(deps, { sourceId: source.id, externalIds: result.goneIds });
  }
  return {
    sourceId: source.id,
    status: result.notModified ? 'not_modified' : 'ok',
    created: saved.created.length,
    duplicates: saved.duplicates.length,
    seen: saved.seen,
    gone: result.goneIds.length,
    error: null,
  };
}
