/**
 * A local server that speaks the Threads API as documented: the authorize dialog, code → short-lived
 * token → long-lived token (`th_exchange_token`), `th_refresh_token` with its 24-hour rule, the
 * container lifecycle (IN_PROGRESS → FINISHED | ERROR → PUBLISHED), carousels of 2–20 items,
 * reply chains, the publishing quota, listing, replies, the conversation of every depth (cursor
 * paging, `reverse`), insights and delete — with the Graph error envelope and media fetched from its
 * URL as Meta does. `addReply` lets another account reply to a post or a reply.
 */
import { randomBytes } from 'node:crypto';
import {
  type Container,
  containerLab,
  cursorPage,
  expiredToken,
  fetchMedia,
  type GraphRequest,
  type GraphServer,
  graphError,
  type Route,
  startGraphServer,
} from '../meta/graph-server.ts';

type Token = { userId: string; issuedAt: number; expiresAt: number; longLived: boolean };
export type ThreadsPost = {
  id: string;
  owner: string;
  text: string | null;
  mediaType: string;
  children: string[];
  replyTo: string | null;
  timestamp: string;
  permalink: string;
  /** Who posted it, when not the connected account. */
  username?: string;
};

export type ThreadsServer = GraphServer & {
  clientId: string;
  clientSecret: string;
  user: { id: string; username: string };
  posts: Map<string, ThreadsPost>;
  containers: Map<string, Container>;
  knobs: { pollsUntilFinished: number; failNextWith: string | null; quotaTotal: number };
  /** Makes every token issued so far expire now, or only `token` when given. */
  expireTokens(token?: string): void;
  /** Makes every token look `ms` older (for the 24-hour refresh rule). */
  ageTokens(ms: number): void;
  /** Another account replies to `to` (a post or a reply); returns the reply's id. */
  addReply(reply: { to: string; text: string; username?: string }): string;
};

export async function startThreadsServer(): Promise<ThreadsServer> {
  const clientId = 'threads-app';
  const clientSecret = 'threads-secret';
  const user = { id: '27000000000000001', username: 'herald.threads' };
  const codes = new Map<string, string>();
  const tokens = new Map<string, Token>();
  const posts = new Map<string, ThreadsPost>();
  const knobs: ThreadsServer['knobs'] = { pollsUntilFinished: 0, failNextWith: null, quotaTotal: 250 };
  const lab = containerLab(knobs);

  const issue = (userId: string, longLived: boolean) => {
    const token = `TH${longLived ? 'L' : 'S'}${randomBytes(10).toString('hex')}`;
    const ttl = longLived ? 5_184_000 : 3600;
    tokens.set(token, { userId, issuedAt: Date.now(), expiresAt: Date.now() + ttl * 1000, longLived });
    return { token, ttl };
  };
  const auth = (req: GraphRequest): Token | null => {
    const t = req.token ? tokens.get(req.token) : undefined;
    return t && t.expiresAt > Date.now() ? t : null;
  };
  const charCount = (text: string) => [...text].length;

  const routes: Route[] = [
    {
      method: 'GET',
      pattern: '/oauth/authorize',
      handle(req) {
        const { args } = req;
        const scopes = (args.get('scope') ?? '').split(',');
        if (
          args.get('client_id') !== clientId ||
          args.get('response_type') !== 'code' ||
          !scopes.includes('threads_basic')
        ) {
          return graphError(400, 100, 'Invalid parameter');
        }
        const code = `thc-${randomBytes(8).toString('hex')}`;
        codes.set(code, args.get('redirect_uri') ?? '');
        const to = new URL(args.get('redirect_uri')!);
        to.searchParams.set('code', code);
        to.searchParams.set('state', args.get('state') ?? '');
        return { redirect: to.toString() };
      },
    },
    {
      method: 'POST',
      pattern: '/oauth/access_token',
      handle({ args }) {
        if (args.get('client_id') !== clientId || args.get('client_secret') !== clientSecret) {
          return graphError(400, 101, 'Error validating client secret.');
        }
        const code = args.get('code') ?? '';
        const redirect = codes.get(code);
        codes.delete(code);
        if (
          args.get('grant_type') !== 'authorization_code' ||
          redirect === undefined ||
          redirect !== args.get('redirect_uri')
        ) {
          return graphError(400, 100, 'Invalid authorization code');
        }
        return { body: { access_token: issue(user.id, false).token, user_id: user.id } };
      },
    },
    {
      method: 'GET',
      pattern: '/access_token',
      handle(req) {
        const t = auth(req);
        if (
          req.args.get('grant_type') !== 'th_exchange_token' ||
          req.args.get('client_secret') !== clientSecret
        ) {
          return graphError(400, 100, 'Invalid parameter');
        }
        if (!t || t.longLived) return expiredToken();
        const { token, ttl } = issue(t.userId, true);
        return { body: { access_token: token, token_type: 'bearer', expires_in: ttl } };
      },
    },
    {
      method: 'GET',
      pattern: '/refresh_access_token',
      handle(req) {
        const t = auth(req);
        if (req.args.get('grant_type') !== 'th_refresh_token')
          return graphError(400, 100, 'Invalid parameter');
        if (!t?.longLived) return expiredToken();
        if (Date.now() - t.issuedAt < 24 * 3600_000) {
          return graphError(
            400,
            100,
            'The access token cannot be refreshed until it is at least 24 hours old',
          );
        }
        const { token, ttl } = issue(t.userId, true);
        return { body: { access_token: token, token_type: 'bearer', expires_in: ttl } };
      },
    },
    {
      method: 'GET',
      pattern: '/v1.0/me',
      handle(req) {
        if (!auth(req)) return expiredToken();
        return {
          body: {
            id: user.id,
            username: user.username,
            name: 'Herald on Threads',
            threads_profile_picture_url: 'https://cdn.example/t.jpg',
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: '/v1.0/:id/threads_publishing_limit',
      handle(req) {
        const t = auth(req);
        if (!t) return expiredToken();
        const since = Date.now() - 86_400_000;
        const used = [...posts.values()].filter(
          (p) => p.owner === req.params.id && !p.replyTo && Date.parse(p.timestamp) > since,
        ).length;
        return {
          body: {
            data: [{ quota_usage: used, config: { quota_total: knobs.quotaTotal, quota_duration: 86400 } }],
          },
        };
      },
    },
    {
      method: 'POST',
      pattern: '/v1.0/:id/threads',
      async handle(req) {
        const t = auth(req);
        if (!t) return expiredToken();
        if (req.params.id !== t.userId)
          return graphError(403, 10, 'Application does not have permission for this action');
        const a = req.args;
        const mediaType = a.get('media_type') ?? '';
        const text = a.get('text');
        if (text && charCount(text) > 500)
          return graphError(400, 100, 'Param text must be at most 500 characters long.');
        const replyTo = a.get('reply_to_id');
        if (replyTo && !posts.has(replyTo)) return graphError(400, 100, 'Invalid reply_to_id');
        let mediaUrl: string | null = null;
        let children: string[] = [];
        if (mediaType === 'TEXT') {
          if (!text) return graphError(400, 100, 'Param text is required for TEXT posts');
        } else if (mediaType === 'IMAGE' || mediaType === 'VIDEO') {
          mediaUrl = a.get(mediaType === 'IMAGE' ? 'image_url' : 'video_url');
          if (!mediaUrl)
            return graphError(
              400,
              100,
              `Param ${mediaType === 'IMAGE' ? 'image_url' : 'video_url'} is required`,
            );
          const fetched = await fetchMedia(mediaUrl);
          if (!fetched.ok) {
            return graphError(400, 100, 'The media could not be fetched from this URI', { subcode: 2207052 });
          }
        } else if (mediaType === 'CAROUSEL') {
          children = (a.get('children') ?? '').split(',').filter(Boolean);
          if (children.length < 2 || children.length > 20)
            return graphError(400, 100, 'A carousel takes 2 to 20 children');
          for (const child of children) {
            const c = lab.containers.get(child);
            if (!c?.isCarouselItem || c.status !== 'FINISHED')
              return graphError(400, 100, `Invalid carousel child ${child}`);
          }
        } else {
          return graphError(400, 100, 'Param media_type must be one of TEXT, IMAGE, VIDEO, CAROUSEL');
        }
        const container = lab.create({
          owner: t.userId,
          mediaType,
          text,
          mediaUrl,
          children,
          isCarouselItem: a.get('is_carousel_item') === 'true',
          replyTo,
          args: Object.fromEntries(a),
        });
        return { body: { id: container.id } };
      },
    },
    {
      method: 'POST',
      pattern: '/v1.0/:id/threads_publish',
      handle(req) {
        const t = auth(req);
        if (!t) return expiredToken();
        const c = lab.containers.get(req.args.get('creation_id') ?? '');
        if (!c || c.owner !== t.userId) return graphError(400, 100, 'Invalid creation_id');
        if (c.status === 'IN_PROGRESS')
          return graphError(400, 9007, 'The media is not ready for publishing', { subcode: 2207027 });
        if (c.status !== 'FINISHED') return graphError(400, 100, `The container is ${c.status}`);
        const since = Date.now() - 86_400_000;
        const used = [...posts.values()].filter(
          (p) => p.owner === t.userId && !p.replyTo && Date.parse(p.timestamp) > since,
        ).length;
        if (!c.replyTo && used >= knobs.quotaTotal)
          return graphError(400, 4, 'Publishing limit reached', { subcode: 2207042 });
        const id = lab.newId();
        c.status = 'PUBLISHED';
        c.publishedId = id;
        posts.set(id, {
          id,
          owner: t.userId,
          text: c.text,
          mediaType: c.mediaType,
          children: c.children,
          replyTo: c.replyTo,
          timestamp: new Date().toISOString().replace(/\.\d+Z$/, '+0000'),
          permalink: `https://www.threads.net/@${user.username}/post/${id.slice(-8)}`,
        });
        return { body: { id } };
      },
    },
    {
      method: 'GET',
      pattern: '/v1.0/:id/threads',
      handle(req) {
        if (!auth(req)) return expiredToken();
        const list = [...posts.values()].filter((p) => p.owner === req.params.id && !p.replyTo).reverse();
        return {
          body: {
            data: list.map((p) => ({
              id: p.id,
              text: p.text ?? undefined,
              timestamp: p.timestamp,
              permalink: p.permalink,
            })),
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: '/v1.0/:id/replies',
      handle(req) {
        if (!auth(req)) return expiredToken();
        const list = [...posts.values()].filter((p) => p.replyTo === req.params.id);
        return {
          body: {
            data: list.map((p) => ({
              id: p.id,
              text: p.text,
              timestamp: p.timestamp,
              username: p.username ?? user.username,
            })),
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: '/v1.0/:id/conversation',
      handle(req) {
        if (!auth(req)) return expiredToken();
        const root = posts.get(req.params.id!);
        if (!root) {
          return graphError(400, 100, `Object with ID '${req.params.id}' does not exist`, {
            subcode: 33,
            type: 'GraphMethodException',
          });
        }
        const rootOf = (p: ThreadsPost): string => {
          let at = p;
          while (at.replyTo && posts.has(at.replyTo)) at = posts.get(at.replyTo)!;
          return at.id;
        };
        // Every depth, flat, in publishing order; `reverse` defaults to true (newest first).
        const all = [...posts.values()].filter((p) => p.id !== root.id && rootOf(p) === root.id);
        if (req.args.get('reverse') !== 'false') all.reverse();
        const fields = new Set((req.args.get('fields') ?? 'id').split(','));
        return cursorPage(all, req, (p) => {
          const full: Record<string, unknown> = {
            id: p.id,
            text: p.text ?? undefined,
            username: p.username ?? user.username,
            timestamp: p.timestamp,
            permalink: p.permalink,
            has_replies: [...posts.values()].some((q) => q.replyTo === p.id),
            is_reply: true,
            root_post: { id: root.id },
            replied_to: { id: p.replyTo },
          };
          return Object.fromEntries(Object.entries(full).filter(([k]) => k === 'id' || fields.has(k)));
        });
      },
    },
    {
      method: 'GET',
      pattern: '/v1.0/:id/insights',
      handle(req) {
        if (!auth(req)) return expiredToken();
        if (!posts.has(req.params.id!)) return graphError(400, 100, 'Object does not exist', { subcode: 33 });
        const values: Record<string, number> = {
          views: 120,
          likes: 7,
          replies: 2,
          reposts: 1,
          quotes: 1,
          shares: 3,
        };
        const metrics = (req.args.get('metric') ?? '').split(',');
        return {
          body: {
            data: metrics.map((name) => ({
              name,
              period: 'lifetime',
              values: [{ value: values[name] ?? 0 }],
              id: `${req.params.id}/insights/${name}/lifetime`,
            })),
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: '/v1.0/:id',
      handle(req) {
        if (!auth(req)) return expiredToken();
        const c = lab.poll(req.params.id!);
        if (c)
          return {
            body: {
              id: c.id,
              status: c.status,
              ...(c.errorMessage && c.status === 'ERROR' ? { error_message: c.errorMessage } : {}),
            },
          };
        const p = posts.get(req.params.id!);
        if (p) return { body: { id: p.id, permalink: p.permalink, text: p.text, timestamp: p.timestamp } };
        return graphError(400, 100, `Object with ID '${req.params.id}' does not exist`, {
          subcode: 33,
          type: 'GraphMethodException',
        });
      },
    },
    {
      method: 'DELETE',
      pattern: '/v1.0/:id',
      handle(req) {
        const t = auth(req);
        if (!t) return expiredToken();
        const p = posts.get(req.params.id!);
        if (!p) {
          return graphError(
            400,
            100,
            `Unsupported delete request. Object with ID '${req.params.id}' does not exist`,
            { subcode: 33, type: 'GraphMethodException' },
          );
        }
        posts.delete(p.id);
        return { body: { success: true, deleted_id: p.id } };
      },
    },
  ];

  const server = await startGraphServer(routes);
  return Object.assign(server, {
    clientId,
    clientSecret,
    user,
    posts,
    containers: lab.containers,
    knobs,
    expireTokens(token?: string) {
      for (const [value, t] of tokens) if (!token || value === token) t.expiresAt = Date.now() - 1;
    },
    ageTokens(ms: number) {
      for (const t of tokens.values()) t.issuedAt -= ms;
    },
    addReply(reply: { to: string; text: string; username?: string }) {
      if (!posts.has(reply.to)) throw new Error(`no post ${reply.to} to reply to`);
      const id = lab.newId();
      const username = reply.username ?? 'someone.else';
      posts.set(id, {
        id,
        owner: '27000000000000099',
        text: reply.text,
        mediaType: 'TEXT',
        children: [],
        replyTo: reply.to,
        timestamp: new Date().toISOString().replace(/\.\d+Z$/, '+0000'),
        permalink: `https://www.threads.net/@${username}/post/${id.slice(-8)}`,
        username,
      });
      return id;
    },
  });
}
