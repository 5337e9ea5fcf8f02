/**
 * A local server that speaks the Facebook Graph API as documented for Pages: the Login dialog,
 * code → short-lived → long-lived user token (`fb_exchange_token`), `/me/permissions`,
 * `/me/accounts` with cursor paging and Page tokens, Page publishing (`/feed` with `link` and
 * `attached_media`, `/photos` with `source` and `published=false`, `/videos` with processing
 * status), listing, engagement fields, the comments edge (`filter` toplevel/stream, `order`,
 * cursor paging, authors only for a Page token) and delete — with the Graph error envelope (190/463
 * expired, 506 duplicate, throttling codes) and usage headers. `addComment` lets someone comment on
 * a post or reply to a comment. The Instagram server adds its routes to it.
 */
import { randomBytes } from 'node:crypto';
import {
  cursorPage,
  expiredToken,
  type GraphReply,
  type GraphRequest,
  type GraphServer,
  graphError,
  type Route,
  startGraphServer,
  topLevelFields,
} from '../meta/graph-server.ts';

export const V = '/v23.0';

export type Token = {
  kind: 'short' | 'long' | 'page';
  userId: string;
  pageId: string | null;
  expiresAt: number;
};
export type PageRecord = { id: string; name: string; username: string; tasks: string[]; igId: string | null };
export type FbPost = {
  id: string;
  pageId: string;
  message: string | null;
  link: string | null;
  photoIds: string[];
  createdTime: string;
};
export type FbPhoto = { id: string; pageId: string; published: boolean; bytes: number; type: string };
export type FbVideo = {
  id: string;
  pageId: string;
  description: string | null;
  pollsLeft: number;
  fail: boolean;
  createdTime: string;
};

export type FbComment = {
  id: string;
  /** The post the comment is on. */
  postId: string;
  /** The comment it answers, for a reply. */
  parentId: string | null;
  from: { id: string; name: string };
  message: string;
  createdTime: string;
  likes: number;
};

export type FacebookWorld = {
  clientId: string;
  clientSecret: string;
  user: { id: string; name: string };
  pages: PageRecord[];
  tokens: Map<string, Token>;
  posts: Map<string, FbPost>;
  photos: Map<string, FbPhoto>;
  videos: Map<string, FbVideo>;
  comments: Map<string, FbComment>;
  knobs: { declined: string[]; videoPolls: number; videoFails: boolean };
  /** Readers for `GET /{id}` of objects other servers add (Instagram containers and media). */
  objectReaders: ((id: string, req: GraphRequest, token: Token) => GraphReply | null)[];
  /** Readers for `GET /{id}/comments` of objects other servers add (Instagram media). */
  commentReaders: ((id: string, req: GraphRequest, token: Token) => GraphReply | null)[];
  newId(): string;
  tokenOf(req: GraphRequest): Token | null;
  issue(kind: Token['kind'], pageId?: string): { token: string; ttl: number };
};

export type FacebookServer = GraphServer &
  FacebookWorld & {
    /** Makes the user tokens issued so far expire now, or only `token` when given. */
    expireTokens(token?: string): void;
    /** Someone comments on a post, or replies to a comment (`parent`); returns the comment's id. */
    addComment(comment: {
      on: string;
      message: string;
      parent?: string;
      from?: { id: string; name: string };
      likes?: number;
    }): string;
  };

const fbTime = () => new Date().toISOString().replace(/\.\d+Z$/, '+0000');

export function createFacebookWorld(): FacebookWorld {
  const tokens = new Map<string, Token>();
  let next = 900_000_000_000_000n;
  const world: FacebookWorld = {
    clientId: 'fb-app',
    clientSecret: 'fb-secret',
    user: { id: '10150000000000001', name: 'Herald Admin' },
    pages: [
      {
        id: '1001',
        name: 'Herald Page',
        username: 'heraldpage',
        tasks: ['CREATE_CONTENT', 'MANAGE'],
        igId: '17841400000000001',
      },
      { id: '1002', name: 'Second Page', username: 'secondpage', tasks: ['CREATE_CONTENT'], igId: null },
      {
        id: '1003',
        name: 'Read-only Page',
        username: 'readonly',
        tasks: ['ANALYZE'],
        igId: '17841400000000003',
      },
    ],
    tokens,
    posts: new Map(),
    photos: new Map(),
    videos: new Map(),
    comments: new Map(),
    knobs: { declined: [], videoPolls: 0, videoFails: false },
    objectReaders: [],
    commentReaders: [],
    newId: () => String(next++),
    tokenOf(req) {
      const t = req.token ? tokens.get(req.token) : undefined;
      return t && t.expiresAt > Date.now() ? t : null;
    },
    issue(kind, pageId) {
      const token = `EAA${kind}${randomBytes(10).toString('hex')}`;
      const ttl = kind === 'short' ? 5400 : kind === 'long' ? 5_183_944 : 0;
      tokens.set(token, {
        kind,
        userId: world.user.id,
        pageId: pageId ?? null,
        expiresAt: ttl ? Date.now() + ttl * 1000 : Number.MAX_SAFE_INTEGER,
      });
      return { token, ttl };
    },
  };
  return world;
}

const FB_SCOPES = [
  'pages_show_list',
  'pages_manage_posts',
  'pages_read_engagement',
  'pages_manage_engagement',
  'pages_read_user_content',
  'publish_video',
];
const IG_SCOPES = [
  'instagram_basic',
  'instagram_content_publish',
  'instagram_manage_insights',
  'instagram_manage_comments',
  'business_management',
];

export function facebookRoutes(world: FacebookWorld): Route[] {
  const codes = new Map<string, string>();
  const user = (req: GraphRequest) => {
    const t = world.tokenOf(req);
    return t && t.kind !== 'page' ? t : null;
  };
  /** Page calls need that Page's token; a user token gets Meta's permission error. */
  const pageToken = (req: GraphRequest, pageId: string): Token | GraphReply => {
    const t = world.tokenOf(req);
    if (!t) return expiredToken();
    if (t.kind !== 'page' || t.pageId !== pageId) {
      return graphError(
        403,
        200,
        '(#200) If posting to a page, requires a page access token with pages_manage_posts',
      );
    }
    return t;
  };
  const isReply = (x: Token | GraphReply): x is GraphReply => !('kind' in x);
  const permalink = (id: string) => `https://www.facebook.com/${id.replace('_', '/posts/')}`;

  return [
    {
      method: 'GET',
      pattern: `${V}/dialog/oauth`,
      handle({ args }) {
        if (
          args.get('client_id') !== world.clientId ||
          args.get('response_type') !== 'code' ||
          !args.get('redirect_uri')
        ) {
          return graphError(400, 100, 'Invalid parameter');
        }
        const code = `AQ${randomBytes(8).toString('hex')}`;
        codes.set(code, args.get('redirect_uri')!);
        const to = new URL(args.get('redirect_uri')!);
        to.searchParams.set('code', code);
        to.searchParams.set('state', args.get('state') ?? '');
        return { redirect: to.toString() };
      },
    },
    {
      method: 'GET',
      pattern: `${V}/oauth/access_token`,
      handle(req) {
        const { args } = req;
        if (args.get('client_id') !== world.clientId || args.get('client_secret') !== world.clientSecret) {
          return graphError(400, 1, 'Error validating client secret.');
        }
        if (args.get('grant_type') === 'fb_exchange_token') {
          const t = world.tokens.get(args.get('fb_exchange_token') ?? '');
          // "You can not use an expired token to request a long-lived token."
          if (!t || t.expiresAt <= Date.now() || t.kind === 'page') return expiredToken();
          const { token, ttl } = world.issue('long');
          return { body: { access_token: token, token_type: 'bearer', expires_in: ttl } };
        }
        const code = args.get('code') ?? '';
        const redirect = codes.get(code);
        codes.delete(code);
        if (!redirect || redirect !== args.get('redirect_uri')) {
          return graphError(400, 100, 'Invalid verification code format.', { subcode: 36007 });
        }
        const { token, ttl } = world.issue('short');
        return { body: { access_token: token, token_type: 'bearer', expires_in: ttl } };
      },
    },
    {
      method: 'GET',
      pattern: `${V}/me/permissions`,
      handle(req) {
        if (!user(req)) return expiredToken();
        return {
          body: {
            data: [...FB_SCOPES, ...IG_SCOPES].map((permission) => ({
              permission,
              status: world.knobs.declined.includes(permission) ? 'declined' : 'granted',
            })),
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: `${V}/me`,
      handle(req) {
        if (!user(req)) return expiredToken();
        return {
          body: {
            id: world.user.id,
            name: world.user.name,
            picture: { data: { url: 'https://cdn.example/me.jpg' } },
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: `${V}/me/accounts`,
      handle(req) {
        if (!user(req)) return expiredToken();
        // Two per page, whatever `limit` says, so that clients must follow the cursor.
        const start = Number(req.args.get('after') ?? 0);
        const slice = world.pages.slice(start, start + 2);
        const fields = req.args.get('fields') ?? '';
        const data = slice.map((p) => ({
          id: p.id,
          name: p.name,
          username: p.username,
          link: `https://www.facebook.com/${p.username}`,
          followers_count: 1000 + Number(p.id),
          picture: { data: { url: `https://cdn.example/${p.id}.jpg` } },
          tasks: p.tasks,
          ...(fields.includes('access_token') ? { access_token: world.issue('page', p.id).token } : {}),
          ...(fields.includes('instagram_business_account') && p.igId
            ? {
                instagram_business_account: {
                  id: p.igId,
                  username: `ig_${p.username}`,
                  name: `${p.name} on Instagram`,
                  profile_picture_url: `https://cdn.example/ig-${p.id}.jpg`,
                  followers_count: 500,
                },
              }
            : {}),
        }));
        const more = start + 2 < world.pages.length;
        return {
          body: {
            data,
            paging: {
              cursors: { before: String(start), after: String(start + 2) },
              ...(more ? { next: `https://graph.facebook.com/v23.0/me/accounts?after=${start + 2}` } : {}),
            },
          },
        };
      },
    },
    {
      method: 'POST',
      pattern: `${V}/:page/feed`,
      handle(req) {
        const pageId = req.params.page!;
        const t = pageToken(req, pageId);
        if (isReply(t)) return t;
        const message = req.args.get('message');
        const link = req.args.get('link');
        const attached = req.args.get('attached_media');
        if (!message && !link && !attached)
          return graphError(400, 100, '(#100) The parameter message or link is required');
        if (message && [...world.posts.values()].some((p) => p.pageId === pageId && p.message === message)) {
          return graphError(400, 506, '(#506) Duplicate status message');
        }
        const photoIds: string[] = [];
        if (attached) {
          for (const entry of JSON.parse(attached) as { media_fbid: string }[]) {
            const photo = world.photos.get(entry.media_fbid);
            if (!photo || photo.published || photo.pageId !== pageId) {
              return graphError(400, 100, `(#100) Invalid media_fbid ${entry.media_fbid}`);
            }
            photoIds.push(photo.id);
          }
        }
        const id = `${pageId}_${world.newId()}`;
        world.posts.set(id, { id, pageId, message, link, photoIds, createdTime: fbTime() });
        return { body: { id } };
      },
    },
    {
      method: 'POST',
      pattern: `${V}/:page/photos`,
      async handle(req) {
        const pageId = req.params.page!;
        const t = pageToken(req, pageId);
        if (isReply(t)) return t;
        const source = req.multipart?.get('source');
        if (!(source instanceof Blob) && !req.args.get('url'))
          return graphError(400, 324, '(#324) Requires upload file');
        if (source instanceof Blob && !source.type.startsWith('image/')) {
          return graphError(400, 100, 'Invalid image format', { subcode: 1366046 });
        }
        const id = world.newId();
        const published = req.args.get('published') !== 'false';
        world.photos.set(id, {
          id,
          pageId,
          published,
          bytes: source instanceof Blob ? source.size : 0,
          type: source instanceof Blob ? source.type : '',
        });
        if (!published) return { body: { id } };
        const postId = `${pageId}_${world.newId()}`;
        world.posts.set(postId, {
          id: postId,
          pageId,
          message: req.args.get('message'),
          link: null,
          photoIds: [id],
          createdTime: fbTime(),
        });
        return { body: { id, post_id: postId } };
      },
    },
    {
      method: 'POST',
      pattern: `${V}/:page/videos`,
      handle(req) {
        const pageId = req.params.page!;
        const t = pageToken(req, pageId);
        if (isReply(t)) return t;
        const source = req.multipart?.get('source');
        if (!(source instanceof Blob) && !req.args.get('file_url'))
          return graphError(400, 100, '(#100) No file uploaded');
        const id = world.newId();
        world.videos.set(id, {
          id,
          pageId,
          description: req.args.get('description'),
          pollsLeft: world.knobs.videoPolls,
          fail: world.knobs.videoFails,
          createdTime: fbTime(),
        });
        return { body: { id } };
      },
    },
    {
      method: 'GET',
      pattern: `${V}/:page/posts`,
      handle(req) {
        const t = pageToken(req, req.params.page!);
        if (isReply(t)) return t;
        const list = [...world.posts.values()].filter((p) => p.pageId === req.params.page).reverse();
        return {
          body: {
            data: list.map((p) => ({
              id: p.id,
              message: p.message ?? undefined,
              created_time: p.createdTime,
              permalink_url: permalink(p.id),
            })),
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: `${V}/:page/videos`,
      handle(req) {
        const t = pageToken(req, req.params.page!);
        if (isReply(t)) return t;
        const list = [...world.videos.values()].filter((v) => v.pageId === req.params.page).reverse();
        return {
          body: {
            data: list.map((v) => ({
              id: v.id,
              description: v.description ?? undefined,
              created_time: v.createdTime,
              permalink_url: `/${v.pageId}/videos/${v.id}/`,
            })),
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: `${V}/:id/comments`,
      handle(req) {
        const t = world.tokenOf(req);
        if (!t) return expiredToken();
        const id = req.params.id!;
        const post = world.posts.get(id);
        const parent = world.comments.get(id);
        if (!post && !parent) {
          for (const read of world.commentReaders) {
            const reply = read(id, req, t);
            if (reply) return reply;
          }
          return graphError(400, 100, `Unsupported get request. Object with ID '${id}' does not exist`, {
            subcode: 33,
            type: 'GraphMethodException',
          });
        }
        if (world.knobs.declined.includes('pages_read_user_content')) {
          return graphError(403, 10, '(#10) This endpoint requires the pages_read_user_content permission');
        }
        // A user token sees none of a Page post's comments; a Page token of that Page sees them all.
        const pageId = post?.pageId ?? world.posts.get(parent!.postId)!.pageId;
        if (t.kind !== 'page' || t.pageId !== pageId) return { body: { data: [] } };
        const stream = req.args.get('filter') === 'stream';
        const list = [...world.comments.values()].filter((c) =>
          post ? c.postId === id && (stream || c.parentId === null) : c.parentId === id,
        );
        if (req.args.get('order') === 'reverse_chronological') list.reverse();
        const fields = topLevelFields(req.args.get('fields'));
        const all = req.args.get('fields') ?? '';
        return cursorPage(list, req, (c) => {
          const full: Record<string, unknown> = {
            id: c.id,
            message: c.message,
            created_time: c.createdTime,
            like_count: c.likes,
            comment_count: [...world.comments.values()].filter((r) => r.parentId === c.id).length,
            from: {
              id: c.from.id,
              name: c.from.name,
              ...(/from\{[^}]*picture/.test(all)
                ? { picture: { data: { url: `https://cdn.example/u${c.from.id}.jpg` } } }
                : {}),
            },
            ...(c.parentId ? { parent: { id: c.parentId } } : {}),
            permalink_url: `${permalink(c.postId)}?comment_id=${c.id.split('_')[1]}`,
          };
          return Object.fromEntries(Object.entries(full).filter(([k]) => k === 'id' || fields.has(k)));
        });
      },
    },
    {
      method: 'GET',
      pattern: `${V}/:id`,
      handle(req) {
        const t = world.tokenOf(req);
        if (!t) return expiredToken();
        const id = req.params.id!;
        const fields = req.args.get('fields') ?? '';
        const page = world.pages.find((p) => p.id === id);
        if (page) {
          if (fields.includes('access_token')) {
            if (t.kind === 'page')
              return graphError(400, 190, 'A page access token cannot request a page token', {
                subcode: 467,
              });
            // Only Pages where the user may create content yield a token for it.
            if (!page.tasks.includes('CREATE_CONTENT')) return { body: { id } };
            return { body: { id, access_token: world.issue('page', id).token } };
          }
          return { body: { id, name: page.name } };
        }
        const post = world.posts.get(id);
        if (post) {
          const pt = pageToken(req, post.pageId);
          if (isReply(pt) && !fields.startsWith('id,from')) return pt;
          return {
            body: {
              id,
              from: { id: post.pageId, name: 'page' },
              permalink_url: permalink(id),
              reactions: { data: [], summary: { total_count: 11, viewer_reaction: 'NONE' } },
              comments: { data: [], summary: { order: 'ranked', total_count: 4, can_comment: true } },
              shares: { count: 2 },
            },
          };
        }
        const video = world.videos.get(id);
        if (video) {
          if (video.pollsLeft > 0) video.pollsLeft--;
          const state = video.pollsLeft > 0 ? 'processing' : video.fail ? 'error' : 'ready';
          return {
            body: {
              id,
              from: { id: video.pageId, name: 'page' },
              permalink_url: `/${video.pageId}/videos/${id}/`,
              status: {
                video_status: state,
                processing_phase: {
                  status: state === 'error' ? 'error' : state === 'ready' ? 'complete' : 'in_progress',
                  ...(state === 'error'
                    ? {
                        errors: [
                          {
                            code: 1363008,
                            message: "The video file you selected is in a format that we don't support.",
                          },
                        ],
                      }
                    : {}),
                },
              },
              reactions: { summary: { total_count: 1 } },
              comments: { summary: { total_count: 0 } },
            },
          };
        }
        for (const read of world.objectReaders) {
          const reply = read(id, req, t);
          if (reply) return reply;
        }
        return graphError(400, 100, `Unsupported get request. Object with ID '${id}' does not exist`, {
          subcode: 33,
          type: 'GraphMethodException',
        });
      },
    },
    {
      method: 'DELETE',
      pattern: `${V}/:id`,
      handle(req) {
        const id = req.params.id!;
        const post = world.posts.get(id) ?? world.videos.get(id);
        if (!post) {
          return graphError(400, 100, `Unsupported delete request. Object with ID '${id}' does not exist`, {
            subcode: 33,
            type: 'GraphMethodException',
          });
        }
        const t = pageToken(req, post.pageId);
        if (isReply(t)) return t;
        world.posts.delete(id);
        world.videos.delete(id);
        return { body: { success: true } };
      },
    },
  ];
}

export async function startFacebookServer(
  extend?: (world: FacebookWorld) => Route[],
): Promise<FacebookServer> {
  const world = createFacebookWorld();
  // Extra routes first: more specific patterns (`/:ig/media`) win over `/:id`.
  const server = await startGraphServer([...(extend?.(world) ?? []), ...facebookRoutes(world)]);
  let commenter = 0;
  return Object.assign(server, world, {
    expireTokens(token?: string) {
      for (const [value, t] of world.tokens) {
        if (t.kind !== 'page' && (!token || value === token)) t.expiresAt = Date.now() - 1;
      }
    },
    addComment(comment: {
      on: string;
      message: string;
      parent?: string;
      from?: { id: string; name: string };
      likes?: number;
    }) {
      const post = world.posts.get(comment.on);
      if (!post) throw new Error(`no post ${comment.on} to comment on`);
      if (comment.parent && world.comments.get(comment.parent)?.postId !== post.id) {
        throw new Error(`no comment ${comment.parent} on ${post.id}`);
      }
      const id = `${post.id.split('_')[1]}_${world.newId()}`;
      commenter++;
      world.comments.set(id, {
        id,
        postId: post.id,
        parentId: comment.parent ?? null,
        from: comment.from ?? { id: `2000${commenter}`, name: `Fan ${commenter}` },
        message: comment.message,
        createdTime: fbTime(),
        likes: comment.likes ?? 0,
      });
      return id;
    },
  });
}
