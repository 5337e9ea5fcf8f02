/**
 * A local server that speaks Instagram's Graph API content publishing (Facebook Login flavour) on top
 * of the Facebook Graph server: containers from media URLs (fetched as Meta does) with
 * `status_code` IN_PROGRESS → FINISHED | ERROR → PUBLISHED, carousels of 2–10 children, reels and
 * stories, `media_publish` only when FINISHED, `content_publishing_limit`, media listing, permalinks,
 * fields, insights, and comments (`/{media}/comments` newest first with `replies{…}` expansion,
 * `/{comment}/replies`, cursor paging) — with Instagram's subcodes in the Graph error envelope.
 * `addMediaComment` lets someone comment on a post or reply to a comment.
 */

import {
  type FacebookServer,
  type FacebookWorld,
  startFacebookServer,
  type Token,
  V,
} from '../facebook/server.ts';
import {
  type Container,
  containerLab,
  cursorPage,
  expiredToken,
  fetchMedia,
  type GraphReply,
  type GraphRequest,
  graphError,
  nestedFields,
  type Route,
  topLevelFields,
} from '../meta/graph-server.ts';

export type IgMedia = {
  id: string;
  owner: string;
  caption: string | null;
  mediaType: string;
  productType: string;
  children: string[];
  timestamp: string;
  permalink: string;
};

export type IgComment = {
  id: string;
  mediaId: string;
  /** The top-level comment a reply answers (Instagram nests one level). */
  parentId: string | null;
  userId: string;
  username: string;
  text: string;
  timestamp: string;
  likes: number;
};

export type InstagramServer = FacebookServer & {
  media: Map<string, IgMedia>;
  containers: Map<string, Container>;
  igComments: Map<string, IgComment>;
  igKnobs: { pollsUntilFinished: number; failNextWith: string | null; quotaTotal: number };
  /** Someone comments on media, or replies to a comment (`parent`); returns the comment's id. */
  addMediaComment(comment: {
    on: string;
    text: string;
    username?: string;
    parent?: string;
    likes?: number;
  }): string;
};

export async function startInstagramServer(): Promise<InstagramServer> {
  const media = new Map<string, IgMedia>();
  const igKnobs: InstagramServer['igKnobs'] = { pollsUntilFinished: 0, failNextWith: null, quotaTotal: 50 };
  const lab = containerLab(igKnobs);
  const timestamp = () => new Date().toISOString().replace(/\.\d+Z$/, '+0000');
  const igComments = new Map<string, IgComment>();
  const repliesOf = (id: string) => [...igComments.values()].filter((c) => c.parentId === id);

  /** A comment with the fields asked for; `replies{…}` expands the first page of its replies. */
  function renderComment(c: IgComment, req: GraphRequest, fields: string | null): Record<string, unknown> {
    const names = topLevelFields(fields);
    const full: Record<string, unknown> = {
      id: c.id,
      text: c.text,
      username: c.username,
      from: { id: c.userId, username: c.username },
      timestamp: c.timestamp,
      like_count: c.likes,
      hidden: false,
      ...(c.parentId ? { parent_id: c.parentId } : {}),
    };
    const out = Object.fromEntries(Object.entries(full).filter(([k]) => k === 'id' || names.has(k)));
    const replies = repliesOf(c.id);
    // Graph leaves an empty edge out of a field expansion.
    if (names.has('replies') && replies.length) {
      const nested = { ...req, path: `${V}/${c.id}/replies`, args: new URLSearchParams() };
      const inner = nestedFields(fields, 'replies') ?? 'id,timestamp,text';
      out.replies = cursorPage(replies, nested, (r) => renderComment(r, req, inner)).body;
    }
    return out;
  }

  const routes = (world: FacebookWorld): Route[] => {
    const accountIds = () => new Set(world.pages.map((p) => p.igId).filter(Boolean));
    /** A user token of someone who manages the Page the account is linked to. */
    const userFor = (req: GraphRequest, igId: string): Token | ReturnType<typeof graphError> => {
      const t = world.tokenOf(req);
      if (!t) return expiredToken();
      if (!accountIds().has(igId))
        return graphError(400, 100, `Object with ID '${igId}' does not exist`, { subcode: 33 });
      return t;
    };
    const isError = (x: unknown): x is ReturnType<typeof graphError> =>
      typeof x === 'object' && x !== null && 'body' in x;
    const usedToday = (igId: string) =>
      [...media.values()].filter((m) => m.owner === igId && Date.parse(m.timestamp) > Date.now() - 86_400_000)
        .length;

    world.commentReaders.push((id, req): GraphReply | null => {
      if (!media.has(id)) return null;
      if (world.knobs.declined.includes('instagram_manage_comments')) {
        return graphError(403, 10, '(#10) Application does not have permission for this action');
      }
      // Top-level comments, newest first; Instagram has no parameter to choose.
      const list = [...igComments.values()].filter((c) => c.mediaId === id && !c.parentId).reverse();
      const fields = req.args.get('fields');
      return cursorPage(list, req, (c) => renderComment(c, req, fields));
    });

    world.objectReaders.push((id) => {
      const c = lab.poll(id);
      if (c) {
        return {
          body: {
            id,
            status_code: c.status,
            status:
              c.status === 'ERROR'
                ? `Error: Media upload has failed with error code ${c.errorMessage}`
                : c.status === 'FINISHED'
                  ? 'Finished: Media has been uploaded and it is ready to be published.'
                  : c.status,
          },
        };
      }
      const m = media.get(id);
      if (m) {
        return {
          body: {
            id,
            permalink: m.permalink,
            caption: m.caption,
            timestamp: m.timestamp,
            like_count: 21,
            comments_count: 6,
            media_product_type: m.productType,
          },
        };
      }
      return null;
    });

    return [
      {
        method: 'GET',
        pattern: `${V}/:ig/content_publishing_limit`,
        handle(req) {
          const t = userFor(req, req.params.ig!);
          if (isError(t)) return t;
          return {
            body: {
              data: [
                {
                  quota_usage: usedToday(req.params.ig!),
                  config: { quota_total: igKnobs.quotaTotal, quota_duration: 86400 },
                },
              ],
            },
          };
        },
      },
      {
        method: 'POST',
        pattern: `${V}/:ig/media`,
        async handle(req) {
          const igId = req.params.ig!;
          const t = userFor(req, igId);
          if (isError(t)) return t;
          const a = req.args;
          const caption = a.get('caption');
          if (caption && [...caption].length > 2200)
            return graphError(400, 100, 'The caption is too long', { subcode: 2207010 });
          if (caption && (caption.match(/#\w+/g)?.length ?? 0) > 30)
            return graphError(400, 100, 'Too many hashtags', { subcode: 2207010 });
          const type = a.get('media_type') ?? 'IMAGE';
          let children: string[] = [];
          let mediaUrl: string | null = null;
          if (type === 'CAROUSEL') {
            children = (a.get('children') ?? '').split(',').filter(Boolean);
            if (children.length < 2 || children.length > 10)
              return graphError(400, 100, 'Carousel validation failed', { subcode: 2207028 });
            for (const child of children) {
              const c = lab.containers.get(child);
              if (!c?.isCarouselItem || c.status !== 'FINISHED')
                return graphError(400, 100, 'Carousel validation failed', { subcode: 2207028 });
            }
          } else {
            mediaUrl = a.get('video_url') ?? a.get('image_url');
            if (!mediaUrl) return graphError(400, 100, 'The parameter image_url or video_url is required');
            if (['REELS', 'VIDEO'].includes(type) && !a.get('video_url'))
              return graphError(400, 100, 'video_url is required');
            const fetched = await fetchMedia(mediaUrl);
            if (!fetched.ok) {
              return graphError(400, 9004, 'Only photo or video can be accepted as media type.', {
                subcode: 2207052,
                userMessage: `The media could not be fetched from this URI: ${mediaUrl}`,
              });
            }
          }
          if (!['IMAGE', 'VIDEO', 'REELS', 'STORIES', 'CAROUSEL'].includes(type)) {
            return graphError(400, 100, 'Unknown media type', { subcode: 2207023 });
          }
          const container = lab.create({
            owner: igId,
            mediaType: type,
            text: caption,
            mediaUrl,
            children,
            isCarouselItem: a.get('is_carousel_item') === 'true',
            replyTo: null,
            args: Object.fromEntries(a),
          });
          return { body: { id: container.id } };
        },
      },
      {
        method: 'POST',
        pattern: `${V}/:ig/media_publish`,
        handle(req) {
          const igId = req.params.ig!;
          const t = userFor(req, igId);
          if (isError(t)) return t;
          const c = lab.containers.get(req.args.get('creation_id') ?? '');
          if (!c || c.owner !== igId)
            return graphError(400, 100, 'Media ID is not available', { subcode: 2207006 });
          if (c.status === 'IN_PROGRESS')
            return graphError(400, 9007, 'Media ID is not available', { subcode: 2207027 });
          if (c.status === 'EXPIRED')
            return graphError(400, 100, 'The media builder has expired', { subcode: 2207008 });
          if (c.status !== 'FINISHED')
            return graphError(400, 100, 'The container cannot be published', { subcode: 2207032 });
          if (usedToday(igId) >= igKnobs.quotaTotal) {
            return graphError(400, 9, 'Application request limit reached', { subcode: 2207042 });
          }
          const id = lab.newId();
          c.status = 'PUBLISHED';
          c.publishedId = id;
          const productType =
            c.mediaType === 'REELS' ? 'REELS' : c.mediaType === 'STORIES' ? 'STORY' : 'FEED';
          media.set(id, {
            id,
            owner: igId,
            caption: c.text,
            mediaType: c.mediaType,
            productType,
            children: c.children,
            timestamp: timestamp(),
            permalink: `https://www.instagram.com/${productType === 'REELS' ? 'reel' : 'p'}/${id.slice(-10)}/`,
          });
          return { body: { id } };
        },
      },
      ...(['media', 'stories'] as const).map((edge): Route => ({
        method: 'GET',
        pattern: `${V}/:ig/${edge}`,
        handle(req) {
          const t = userFor(req, req.params.ig!);
          if (isError(t)) return t;
          const list = [...media.values()]
            .filter((m) => m.owner === req.params.ig && (edge === 'stories') === (m.productType === 'STORY'))
            .reverse();
          return {
            body: {
              data: list.map((m) => ({
                id: m.id,
                caption: m.caption ?? undefined,
                timestamp: m.timestamp,
                permalink: m.permalink,
              })),
            },
          };
        },
      })),
      {
        method: 'GET',
        pattern: `${V}/:id/replies`,
        handle(req) {
          if (!world.tokenOf(req)) return expiredToken();
          const comment = igComments.get(req.params.id!);
          if (!comment || comment.parentId) {
            return graphError(400, 100, `Object with ID '${req.params.id}' does not exist`, { subcode: 33 });
          }
          const fields = req.args.get('fields');
          return cursorPage(repliesOf(comment.id), req, (r) => renderComment(r, req, fields));
        },
      },
      {
        method: 'GET',
        pattern: `${V}/:id/insights`,
        handle(req) {
          if (!world.tokenOf(req)) return expiredToken();
          const m = media.get(req.params.id!);
          if (!m) return graphError(400, 100, 'Object does not exist', { subcode: 33 });
          const values: Record<string, number> = {
            views: 300,
            reach: 250,
            shares: 4,
            saved: 9,
            total_interactions: 40,
          };
          const names = (req.args.get('metric') ?? '').split(',');
          return {
            body: {
              data: names.map((name) => ({
                name,
                period: 'lifetime',
                values: [{ value: values[name] ?? 0 }],
              })),
            },
          };
        },
      },
    ];
  };

  const server = await startFacebookServer(routes);
  let commenter = 0;
  return Object.assign(server, {
    media,
    containers: lab.containers,
    igComments,
    igKnobs,
    addMediaComment(comment: {
      on: string;
      text: string;
      username?: string;
      parent?: string;
      likes?: number;
    }) {
      if (!media.has(comment.on)) throw new Error(`no media ${comment.on} to comment on`);
      const parent = comment.parent ? igComments.get(comment.parent) : undefined;
      if (comment.parent && parent?.mediaId !== comment.on) throw new Error(`no comment ${comment.parent}`);
      commenter++;
      const id = lab.newId();
      igComments.set(id, {
        id,
        mediaId: comment.on,
        parentId: parent ? (parent.parentId ?? parent.id) : null,
        userId: `1784000000${String(commenter).padStart(7, '0')}`,
        username: comment.username ?? `fan_${commenter}`,
        text: comment.text,
        timestamp: timestamp(),
        likes: comment.likes ?? 0,
      });
      return id;
    },
  });
}
