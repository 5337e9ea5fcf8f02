/**
 * A subreddit's listing (hot/new/top/rising), filtered by score, comments, flair and keywords, each
 * post with its top comments as context. Read with application-only OAuth (the workspace's Reddit
 * app, `client_credentials`) or as a connected Reddit account. Posts Herald already drafted from
 * are looked up again so a post removed or deleted at Reddit raises a takedown.
 */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { connections, platformApps } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { authUrl, call, userAgentOf } from '../../platforms/reddit/api.ts';
import type { AdapterContext } from '../../platforms/types.ts';
import { adapterContext, credentialsOf } from '../connections/credentials.ts';
import { findPlatformApp } from '../connections/find-platform-app.ts';
import type { CollectedItem, FetchResult, RedditConfig } from './source-config.ts';

const post = z.object({
  id: z.string(),
  name: z.string(),
  title: z.string(),
  selftext: z.string().default(''),
  author: z.string().nullable().default(null),
  score: z.number().default(0),
  num_comments: z.number().default(0),
  link_flair_text: z.string().nullable().optional(),
  permalink: z.string().default(''),
  url: z.string().nullable().optional(),
  is_self: z.boolean().optional(),
  created_utc: z.number().optional(),
  stickied: z.boolean().optional(),
  removed_by_category: z.string().nullable().optional(),
});
type RedditPost = z.infer<typeof post>;
const listing = z.object({
  data: z.object({
    children: z.array(z.object({ kind: z.string(), data: z.record(z.string(), z.unknown()) })),
  }),
});
const comment = z.object({
  author: z.string().nullable().default(null),
  body: z.string().default(''),
  score: z.number().nullable().default(null),
});

/** An access token and the context to call Reddit with: a connected account's, or an app-only one. */
async function readerFor(
  deps: Deps,
  options: { workspaceId: string; config: RedditConfig },
): Promise<{ ctx: AdapterContext; token: string }> {
  if (options.config.connectionId) {
    const [row] = await deps.db
      .select({ connection: connections, app: platformApps })
      .from(connections)
      .innerJoin(platformApps, eq(platformApps.id, connections.platformAppId))
      .where(
        and(
          eq(connections.id, options.config.connectionId),
          eq(connections.workspaceId, options.workspaceId),
          eq(connections.platform, 'reddit'),
        ),
      );
    if (!row) throw new AppError('invalid', 'config.connectionId: no Reddit connection with this id');
    return { ctx: adapterContext(deps, row.app), token: credentialsOf(deps, row.connection).accessToken };
  }
  const app = await findPlatformApp(deps, { workspaceId: options.workspaceId, platform: 'reddit' });
  const ctx = adapterContext(deps, app);
  // Application-only OAuth: a confidential client's own token, no user, read-only.
  const basic = Buffer.from(`${ctx.app.clientId}:${ctx.app.clientSecret ?? ''}`).toString('base64');
  const response = await deps.fetch(`${authUrl(ctx)}/api/v1/access_token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': userAgentOf(ctx),
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read' }).toString(),
  });
  const body = (await response.json().catch(() => null)) as {
    access_token?: unknown;
    error?: unknown;
  } | null;
  if (!response.ok || typeof body?.access_token !== 'string') {
    throw new AppError(
      'unavailable',
      `Reddit refused the app's application-only token (HTTP ${response.status}${body?.error ? ` ${String(body.error)}` : ''})`,
    );
  }
  return { ctx, token: body.access_token };
}

function keep(p: RedditPost, config: RedditConfig): boolean {
  if (p.stickied) return false;
  if (p.score < config.minScore || p.num_comments < config.minComments) return false;
  if (config.flairs.length) {
    const flair = (p.link_flair_text ?? '').toLowerCase();
    if (!config.flairs.some((f) => f.toLowerCase() === flair)) return false;
  }
  if (config.keywords.length) {
    const text = `${p.title}\n${p.selftext}`.toLowerCase();
    if (!config.keywords.some((k) => text.includes(k.toLowerCase()))) return false;
  }
  return true;
}

async function topComments(
  reader: { ctx: AdapterContext; token: string },
  options: { id: string; count: number },
): Promise<CollectedItem['context']> {
  if (options.count === 0) return [];
  const { data } = await call(reader.ctx, null, {
    what: 'read comments',
    url: `/comments/${options.id}?sort=top&limit=${options.count}&depth=1&raw_json=1`,
    token: reader.token,
  });
  const listings = Array.isArray(data) ? (data as unknown[]) : [];
  const children = listing.safeParse(listings[1]).data?.data.children ?? [];
  return children
    .filter((c) => c.kind === 't1')
    .map((c) => comment.parse(c.data))
    .filter((c) => c.body && c.body !== '[deleted]' && c.body !== '[removed]')
    .slice(0, options.count);
}

const isGone = (p: RedditPost) =>
  Boolean(p.removed_by_category) || p.selftext === '[removed]' || p.selftext === '[deleted]';

export async function fetchReddit(
  deps: Deps,
  options: { workspaceId: string; config: RedditConfig; watchIds: string[] },
): Promise<FetchResult> {
  const { config } = options;
  const reader = await readerFor(deps, options);
  const query = new URLSearchParams({ limit: String(config.limit), raw_json: '1' });
  if (config.listing === 'top') query.set('t', config.time);
  const { data } = await call(reader.ctx, listing, {
    what: 'read listing',
    url: `/r/${config.subreddit}/${config.listing}?${query}`,
    token: reader.token,
  });
  const posts = data.data.children
    .filter((c) => c.kind === 't3')
    .flatMap((c) => {
      const parsed = post.safeParse(c.data);
      return parsed.success ? [parsed.data] : [];
    })
    .filter((p) => !isGone(p) && keep(p, config));
  const items: CollectedItem[] = [];
  for (const p of posts) {
    items.push({
      externalId: p.name,
      title: p.title,
      body: p.selftext,
      url: `https://www.reddit.com${p.permalink}`,
      author: p.author,
      score: p.score,
      commentsCount: p.num_comments,
      context: await topComments(reader, { id: p.id, count: config.comments }),
      createdAt: p.created_utc ? new Date(p.created_utc * 1000) : null,
    });
  }
  const goneIds: string[] = [];
  if (options.watchIds.length) {
    const ids = options.watchIds.slice(0, 100);
    const { data: info } = await call(reader.ctx, listing, {
      what: 'look up collected posts',
      url: `/api/info?id=${ids.join(',')}&raw_json=1`,
      token: reader.token,
    });
    const found = new Map(
      info.data.children.flatMap((c) => {
        const parsed = post.safeParse(c.data);
        return parsed.success ? [[parsed.data.name, parsed.data] as const] : [];
      }),
    );
    for (const id of ids) {
      const p = found.get(id);
      if (!p || isGone(p)) goneIds.push(id);
    }
  }
  return { items, fetchState: {}, notModified: false, goneIds };
}
