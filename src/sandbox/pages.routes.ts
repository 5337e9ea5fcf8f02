/** The sandbox's public pages: the account list, each account's feed, single posts, media, avatars. */
import { asc, count, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { sha256 } from '../crypto/hashing.ts';
import { sandboxAccounts, sandboxPosts } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import type { Routes } from '../http/plugin.ts';
import { findAccount, type SandboxAccount } from './accounts.ts';
import { escapeHtml, htmlSecurityHeaders, renderPage, renderTime } from './html.ts';
import { readMedia, type SandboxMedia } from './media.ts';
import { findPost, listPosts, mediaOf, type SandboxPost } from './posts.ts';
import { isUuid, type Site } from './site.ts';

const FEED_LIMIT = 100;

function renderMedia(mount: string, m: SandboxMedia): string {
  const src = `${escapeHtml(mount)}/media/${m.id}`;
  if (m.mimeType.startsWith('video/')) {
    const label = m.altText ? ` aria-label="${escapeHtml(m.altText)}"` : '';
    return `<video controls preload="metadata" src="${src}"${label}></video>`;
  }
  return `<img src="${src}" alt="${escapeHtml(m.altText ?? '')}" loading="lazy">`;
}

function renderPost(
  mount: string,
  account: SandboxAccount,
  post: SandboxPost,
  media: Map<string, SandboxMedia>,
): string {
  const link = `${escapeHtml(mount)}/@${escapeHtml(account.username)}/posts/${post.id}`;
  const images = post.mediaIds.flatMap((id) => {
    const m = media.get(id);
    return m ? [renderMedia(mount, m)] : [];
  });
  const reply = post.replyToId
    ? ` · in reply to <a href="${escapeHtml(mount)}/posts/${post.replyToId}">a post</a>`
    : '';
  return `<article class="post" id="post-${post.id}" aria-label="Post by ${escapeHtml(account.displayName)}">
${post.text ? `<p class="text">${escapeHtml(post.text)}</p>` : ''}
${images.join('\n')}
<p class="meta"><a href="${link}">${renderTime(post.createdAt)}</a>${reply}</p>
</article>`;
}

function renderProfile(mount: string, account: SandboxAccount): string {
  return `<div class="profile">
<img src="${escapeHtml(mount)}/avatars/${escapeHtml(account.username)}.svg" alt="">
<div><h1>${escapeHtml(account.displayName)}</h1>
<p class="meta">@${escapeHtml(account.username)} · ${account.followers} followers</p></div>
</div>`;
}

function avatarSvg(account: SandboxAccount): string {
  const hue = Number.parseInt(sha256(account.username).slice(0, 4), 16) % 360;
  const initial = escapeHtml([...account.displayName.trim()][0]?.toUpperCase() ?? '?');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96" width="96" height="96">
<rect width="96" height="96" fill="hsl(${hue} 55% 45%)"/>
<text x="48" y="48" dy="0.35em" text-anchor="middle" font-family="sans-serif" font-size="44" fill="#fff">${initial}</text>
</svg>`;
}

export function pageRoutes(deps: Deps, site: Site): Routes {
  return async (app) => {
    const m = site.mount;
    const notFoundPage = (what: string) =>
      renderPage({ title: 'Not found', body: `<h1>Not found</h1><p>${escapeHtml(what)}</p>`, mount: m });

    app.get('/', async (_request, reply) => {
      const rows = await deps.db
        .select({
          username: sandboxAccounts.username,
          displayName: sandboxAccounts.displayName,
          posts: count(sandboxPosts.id),
        })
        .from(sandboxAccounts)
        .leftJoin(
          sandboxPosts,
          sql`${sandboxPosts.accountId} = ${sandboxAccounts.id} and ${isNull(sandboxPosts.deletedAt)}`,
        )
        .groupBy(sandboxAccounts.id)
        .orderBy(asc(sandboxAccounts.username))
        .limit(500);
      const items = rows
        .map(
          (r) =>
            `<li><a href="${escapeHtml(m)}/@${escapeHtml(r.username)}">${escapeHtml(r.displayName)} (@${escapeHtml(r.username)})</a> — ${r.posts} ${r.posts === 1 ? 'post' : 'posts'}</li>`,
        )
        .join('\n');
      const body = `<h1>Sandbox accounts</h1>
<p>A fake social network built into Herald: connect it like any platform and publish without an outside account.</p>
${rows.length ? `<ul>\n${items}\n</ul>` : '<p>No accounts yet. Connect the Sandbox in Herald to create one.</p>'}`;
      return reply.headers(htmlSecurityHeaders).send(renderPage({ title: 'Accounts', body, mount: m }));
    });

    app.get(
      '/@:username',
      { schema: { params: z.object({ username: z.string() }) } },
      async (request, reply) => {
        const account = await findAccount(deps, request.params.username.toLowerCase());
        if (!account)
          return reply.status(404).headers(htmlSecurityHeaders).send(notFoundPage('No such account.'));
        const posts = await listPosts(deps, { accountId: account.id, limit: FEED_LIMIT });
        const media = await mediaOf(deps, posts);
        const body = `${renderProfile(m, account)}
<h2>Posts</h2>
${posts.length ? posts.map((p) => renderPost(m, account, p, media)).join('\n') : '<p>No posts yet.</p>'}`;
        return reply
          .headers(htmlSecurityHeaders)
          .send(renderPage({ title: `${account.displayName} (@${account.username})`, body, mount: m }));
      },
    );

    /** The account's posts as a JSON Feed 1.1, so a Herald workspace can collect them as a source. */
    app.get(
      '/@:username/feed.json',
      { schema: { params: z.object({ username: z.string() }) } },
      async (request, reply) => {
        const account = await findAccount(deps, request.params.username.toLowerCase());
        if (!account) return reply.status(404).send({ error: 'no such account' });
        const posts = await listPosts(deps, { accountId: account.id, limit: FEED_LIMIT });
        const base = site.base(request);
        const home = `${base}/@${account.username}`;
        return reply.header('content-type', 'application/feed+json; charset=utf-8').send({
          version: 'https://jsonfeed.org/version/1.1',
          title: `${account.displayName} (@${account.username})`,
          home_page_url: home,
          feed_url: `${home}/feed.json`,
          items: posts.map((post) => ({
            id: post.id,
            url: `${home}/posts/${post.id}`,
            content_text: post.text,
            date_published: post.createdAt.toISOString(),
            authors: [{ name: account.displayName }],
          })),
        });
      },
    );

    app.get(
      '/@:username/posts/:id',
      { schema: { params: z.object({ username: z.string(), id: z.string() }) } },
      async (request, reply) => {
        const found = isUuid(request.params.id) ? await findPost(deps, request.params.id) : null;
        const account = found ? await findAccount(deps, found.username) : null;
        if (!found || !account || account.username !== request.params.username.toLowerCase()) {
          return reply.status(404).headers(htmlSecurityHeaders).send(notFoundPage('No such post.'));
        }
        const body = `${renderProfile(m, account)}
${renderPost(m, account, found.post, await mediaOf(deps, [found.post]))}
<p><a href="${escapeHtml(m)}/@${escapeHtml(account.username)}">All posts by @${escapeHtml(account.username)}</a></p>`;
        return reply
          .headers(htmlSecurityHeaders)
          .send(renderPage({ title: `Post by @${account.username}`, body, mount: m }));
      },
    );

    /** A post by id alone (reply links): redirects to its canonical address. */
    app.get('/posts/:id', { schema: { params: z.object({ id: z.string() }) } }, async (request, reply) => {
      const found = isUuid(request.params.id) ? await findPost(deps, request.params.id) : null;
      if (!found) return reply.status(404).headers(htmlSecurityHeaders).send(notFoundPage('No such post.'));
      return reply.redirect(`${m}/@${found.username}/posts/${found.post.id}`, 302);
    });

    app.get('/media/:id', { schema: { params: z.object({ id: z.string() }) } }, async (request, reply) => {
      const media = isUuid(request.params.id) ? await readMedia(deps, request.params.id) : null;
      if (!media) return reply.status(404).headers(htmlSecurityHeaders).send(notFoundPage('No such media.'));
      return reply
        .headers({
          'content-type': media.mimeType,
          'cache-control': 'public, max-age=31536000, immutable',
          'x-content-type-options': 'nosniff',
          'content-security-policy': "default-src 'none'",
        })
        .send(media.bytes);
    });

    app.get(
      '/avatars/:file',
      { schema: { params: z.object({ file: z.string() }) } },
      async (request, reply) => {
        const username = request.params.file.replace(/\.svg$/, '').toLowerCase();
        const account = await findAccount(deps, username);
        if (!account)
          return reply.status(404).headers(htmlSecurityHeaders).send(notFoundPage('No such account.'));
        return reply
          .headers({
            'content-type': 'image/svg+xml',
            'cache-control': 'public, max-age=3600',
            'x-content-type-options': 'nosniff',
            'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
          })
          .send(avatarSvg(account));
      },
    );
  };
}
