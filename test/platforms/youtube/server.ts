/**
 * A local server that speaks the YouTube Data API v3 and Google OAuth as documented, for adapter
 * tests: authorization code with PKCE and `access_type=offline` (refresh tokens not rotated), Google
 * JSON errors, `channels.list mine=true`, the resumable upload protocol (session in `Location`,
 * 256 KiB-aligned chunks, `308 Resume Incomplete` with `Range`, `bytes *\/N` probes, 404 for a
 * session that is gone), processing that ends processed, failed or rejected, the uploads playlist,
 * statistics, comment threads, delete, and a quota counter with per-method costs (`quotaExceeded`)
 * plus a per-channel upload cap (`uploadLimitExceeded`).
 *
 * Comments: `commentThreads.list?videoId=` pages threads (`maxResults` 1–100, default 20, an opaque
 * `pageToken`), newest first for `order=time`, each with at most `REPLIES_IN_THREAD` of its replies
 * under `part=replies`; `comments.list?parentId=` pages all of a comment's replies. `textOriginal`
 * is only sent for the channel's own comments, as YouTube does; `textDisplay` is HTML unless
 * `textFormat=plainText`. A video can have comments disabled (403 `commentsDisabled`).
 *
 * `faults` answers a matching request with a status, after `skip` matching requests have passed,
 * optionally after doing the work (a reply lost on the way back).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = {
  route: string;
  status: number;
  body?: unknown;
  afterCommit?: boolean;
  skip?: number;
  times?: number;
};

type Session = {
  id: string;
  total: number;
  bytes: Buffer[];
  received: number;
  resource: Record<string, unknown>;
  videoId: string | null;
};
export type Video = {
  id: string;
  title: string;
  description: string;
  privacyStatus: string;
  bytes: Buffer;
  uploadStatus: 'uploaded' | 'processed' | 'failed' | 'rejected';
  polls: number;
  publishedAt: number;
  views: number;
  likes: number;
};

export type YouTubeComment = {
  id: string;
  videoId: string;
  /** The top-level comment a reply answers; null for a top-level comment. */
  parentId: string | null;
  author: { name: string; channelId: string };
  text: string;
  likes: number;
  publishedAt: Date;
};

export type YouTubeServer = {
  base: string;
  clientId: string;
  clientSecret: string;
  channel: { id: string; title: string; uploads: string };
  videos: Map<string, Video>;
  sessions: Map<string, Session>;
  faults: Fault[];
  requests: string[];
  knobs: {
    accessTokenTtlSeconds: number;
    quotaRemaining: number;
    uploadsLeftToday: number;
    processing: { polls: number; outcome: 'processed' | 'failed' | 'rejected' };
  };
  comments: YouTubeComment[];
  /** Adds a comment (a reply when `parentId` is set), `publishedAt` defaulting to now. */
  comment(options: {
    videoId: string;
    parentId?: string;
    author?: { name: string; channelId: string };
    text: string;
    likes?: number;
    publishedAt?: Date;
  }): YouTubeComment;
  /** Videos whose comments are turned off. */
  commentsDisabled: Set<string>;
  expireAccessTokens(): void;
  forgetSession(id: string): void;
  close(): Promise<void>;
};

const UNIT = 256 * 1024;
/** How many replies a comment thread carries; the rest only `comments.list` gives. */
const REPLIES_IN_THREAD = 2;
const COST: Record<string, number> = { list: 1, insert: 100, delete: 50 };

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startYouTubeServer(): Promise<YouTubeServer> {
  const clientId = 'yt-client.apps.googleusercontent.com';
  const clientSecret = 'yt-secret';
  const channel = {
    id: 'UCherald000000000000000',
    title: 'Herald Channel',
    uploads: 'UUherald000000000000000',
  };
  const codes = new Map<string, { redirectUri: string; challenge: string; scopes: string }>();
  const tokens = new Map<string, number>();
  const refreshTokens = new Set<string>();
  const videos = new Map<string, Video>();
  const sessions = new Map<string, Session>();
  const comments: YouTubeComment[] = [];
  const commentsDisabled = new Set<string>();
  const knobs: YouTubeServer['knobs'] = {
    accessTokenTtlSeconds: 3599,
    quotaRemaining: 10_000,
    uploadsLeftToday: 100,
    processing: { polls: 1, outcome: 'processed' },
  };
  const faults: Fault[] = [];
  const requests: string[] = [];
  let base = '';

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const googleError = (
    res: ServerResponse,
    code: number,
    reason: string,
    message: string,
    domain = 'youtube.api',
  ) => send(res, code, { error: { code, message, errors: [{ message, domain, reason }] } });

  function matchFault(method: string, path: string): Fault | null {
    for (const fault of faults) {
      if (fault.route !== `${method} ${path}`) continue;
      if (fault.skip) {
        fault.skip--;
        return null;
      }
      if (fault.times !== undefined) {
        fault.times--;
        if (fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
      }
      return fault;
    }
    return null;
  }

  function spend(res: ServerResponse, units: number): boolean {
    if (knobs.quotaRemaining < units) {
      googleError(
        res,
        403,
        'quotaExceeded',
        'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.',
        'youtube.quota',
      );
      return false;
    }
    knobs.quotaRemaining -= units;
    return true;
  }

  function issue(withRefresh: boolean) {
    const access = `ya29.${randomBytes(12).toString('hex')}`;
    tokens.set(access, Date.now() + knobs.accessTokenTtlSeconds * 1000);
    const reply: Record<string, unknown> = {
      access_token: access,
      expires_in: knobs.accessTokenTtlSeconds,
      token_type: 'Bearer',
      scope:
        'https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.readonly',
    };
    if (withRefresh) {
      const refresh = `1//${randomBytes(12).toString('hex')}`;
      refreshTokens.add(refresh);
      reply.refresh_token = refresh;
    }
    return reply;
  }

  const videoJson = (v: Video) => ({
    kind: 'youtube#video',
    id: v.id,
    snippet: { title: v.title, description: v.description, channelId: channel.id },
    status: {
      uploadStatus: v.uploadStatus,
      privacyStatus: v.privacyStatus,
      ...(v.uploadStatus === 'failed' ? { failureReason: 'invalidFile' } : {}),
      ...(v.uploadStatus === 'rejected' ? { rejectionReason: 'duplicate' } : {}),
    },
  });

  function finishUpload(session: Session): Video {
    const snippet = (session.resource.snippet ?? {}) as { title?: string; description?: string };
    const status = (session.resource.status ?? {}) as { privacyStatus?: string };
    const video: Video = {
      id: randomBytes(8).toString('base64url').slice(0, 11),
      title: snippet.title ?? '',
      description: snippet.description ?? '',
      privacyStatus: status.privacyStatus ?? 'public',
      bytes: Buffer.concat(session.bytes),
      uploadStatus: 'uploaded',
      polls: 0,
      publishedAt: Date.now(),
      views: 0,
      likes: 0,
    };
    videos.set(video.id, video);
    session.videoId = video.id;
    return video;
  }

  const escapeHtml = (text: string) =>
    text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>');

  function commentJson(c: YouTubeComment, plain: boolean) {
    const own = c.author.channelId === channel.id;
    return {
      kind: 'youtube#comment',
      id: c.id,
      snippet: {
        channelId: channel.id,
        videoId: c.videoId,
        authorDisplayName: c.author.name,
        authorProfileImageUrl: `https://yt3.test/${c.author.channelId}.jpg`,
        authorChannelUrl: `http://www.youtube.com/${c.author.name}`,
        authorChannelId: { value: c.author.channelId },
        textDisplay: plain ? c.text : escapeHtml(c.text),
        ...(own ? { textOriginal: c.text } : {}),
        ...(c.parentId ? { parentId: c.parentId } : {}),
        canRate: true,
        viewerRating: 'none',
        likeCount: c.likes,
        publishedAt: c.publishedAt.toISOString(),
        updatedAt: c.publishedAt.toISOString(),
      },
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://youtube.test');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const q = url.searchParams;

    if (method === 'GET' && path === '/o/oauth2/v2/auth') {
      if (
        q.get('client_id') !== clientId ||
        q.get('access_type') !== 'offline' ||
        q.get('code_challenge_method') !== 'S256'
      ) {
        return send(res, 400, { error: 'invalid_request' });
      }
      const code = `4/${randomBytes(8).toString('hex')}`;
      codes.set(code, {
        redirectUri: q.get('redirect_uri')!,
        challenge: q.get('code_challenge')!,
        scopes: q.get('scope')!,
      });
      const back = new URL(q.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      res.writeHead(302, { location: back.toString() });
      return void res.end();
    }
    if (method === 'POST' && path === '/token') {
      const form = new URLSearchParams(raw.toString());
      if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
        return send(res, 401, {
          error: 'invalid_client',
          error_description: 'The OAuth client was not found.',
        });
      }
      if (form.get('grant_type') === 'authorization_code') {
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        if (
          !grant ||
          grant.redirectUri !== form.get('redirect_uri') ||
          createHash('sha256').update(verifier).digest('base64url') !== grant.challenge
        ) {
          return send(res, 400, { error: 'invalid_grant', error_description: 'Bad Request' });
        }
        return send(res, 200, issue(true));
      }
      if (form.get('grant_type') === 'refresh_token') {
        if (!refreshTokens.has(form.get('refresh_token') ?? '')) {
          return send(res, 400, {
            error: 'invalid_grant',
            error_description: 'Token has been expired or revoked.',
          });
        }
        return send(res, 200, issue(false));
      }
      return send(res, 400, { error: 'unsupported_grant_type' });
    }

    const header = req.headers.authorization ?? '';
    const expiry = header.startsWith('Bearer ') ? tokens.get(header.slice(7)) : undefined;
    if (expiry === undefined || expiry <= Date.now()) {
      return send(res, 401, {
        error: {
          code: 401,
          message: 'Request had invalid authentication credentials. Expected OAuth 2 access token.',
          errors: [
            {
              message: 'Invalid Credentials',
              domain: 'global',
              reason: 'authError',
              location: 'Authorization',
            },
          ],
          status: 'UNAUTHENTICATED',
        },
      });
    }

    if (path === '/upload/youtube/v3/videos' && method === 'POST' && q.get('uploadType') === 'resumable') {
      const total = Number(req.headers['x-upload-content-length']);
      const resource = JSON.parse(raw.toString() || '{}') as Record<string, unknown>;
      const title = ((resource.snippet ?? {}) as { title?: string }).title;
      if (!title)
        return googleError(
          res,
          400,
          'invalidTitle',
          'The request metadata specifies an invalid or empty video title.',
        );
      if (!(total > 0)) return googleError(res, 400, 'badRequest', 'X-Upload-Content-Length is required');
      if (knobs.uploadsLeftToday <= 0) {
        return googleError(
          res,
          400,
          'uploadLimitExceeded',
          'The user has exceeded the number of videos they may upload.',
        );
      }
      if (!spend(res, COST.insert!)) return;
      knobs.uploadsLeftToday--;
      const id = randomBytes(10).toString('hex');
      sessions.set(id, { id, total, bytes: [], received: 0, resource, videoId: null });
      return send(res, 200, undefined, {
        location: `${base}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status&upload_id=${id}`,
      });
    }
    if (path === '/upload/youtube/v3/videos' && method === 'PUT') {
      const session = sessions.get(q.get('upload_id') ?? '');
      if (!session) return googleError(res, 404, 'notFound', 'Upload session not found');
      const range = String(req.headers['content-range'] ?? '');
      const incomplete = () =>
        send(res, 308, undefined, session.received > 0 ? { range: `bytes=0-${session.received - 1}` } : {});
      if (session.videoId) return send(res, 200, videoJson(videos.get(session.videoId)!));
      if (range === `bytes */${session.total}`) return incomplete();
      const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range);
      if (!match) return googleError(res, 400, 'badContentRange', 'Content-Range is invalid');
      const [first, last, total] = match.slice(1).map(Number) as [number, number, number];
      if (total !== session.total || last - first + 1 !== raw.length) {
        return googleError(res, 400, 'badContentRange', 'Content-Range does not match the body');
      }
      if (first !== session.received) return incomplete();
      if (last + 1 < total && raw.length % UNIT !== 0) {
        return googleError(
          res,
          400,
          'badContentRange',
          'Chunks other than the last must be multiples of 256 KiB',
        );
      }
      session.bytes.push(raw);
      session.received += raw.length;
      if (session.received < session.total) return incomplete();
      return send(res, 201, videoJson(finishUpload(session)));
    }

    if (!path.startsWith('/youtube/v3/'))
      return googleError(res, 404, 'notFound', `no route ${method} ${path}`);
    const resource = path.slice('/youtube/v3/'.length);
    if (method === 'GET' && !spend(res, COST.list!)) return;

    if (method === 'GET' && resource === 'channels') {
      if (q.get('mine') !== 'true' && q.get('id') !== channel.id) return send(res, 200, { items: [] });
      return send(res, 200, {
        items: [
          {
            id: channel.id,
            snippet: {
              title: channel.title,
              customUrl: '@heraldchannel',
              thumbnails: { default: { url: 'https://yt3.test/a.jpg' } },
            },
            statistics: { subscriberCount: '1234', videoCount: String(videos.size) },
            contentDetails: { relatedPlaylists: { uploads: channel.uploads } },
          },
        ],
      });
    }
    if (method === 'GET' && resource === 'videos') {
      const items = (q.get('id') ?? '')
        .split(',')
        .map((id) => videos.get(id))
        .filter((v): v is Video => v !== undefined)
        .map((v) => {
          if (v.uploadStatus === 'uploaded') {
            v.polls++;
            if (v.polls >= knobs.processing.polls) v.uploadStatus = knobs.processing.outcome;
          }
          return {
            ...videoJson(v),
            statistics: {
              viewCount: String(v.views),
              likeCount: String(v.likes),
              favoriteCount: '0',
              commentCount: '3',
            },
          };
        });
      return send(res, 200, { kind: 'youtube#videoListResponse', items });
    }
    if (method === 'DELETE' && resource === 'videos') {
      if (!spend(res, COST.delete!)) return;
      if (!videos.delete(q.get('id') ?? '')) return googleError(res, 404, 'videoNotFound', 'Video not found');
      return send(res, 204, undefined);
    }
    if (method === 'GET' && resource === 'playlistItems') {
      if (q.get('playlistId') !== channel.uploads)
        return googleError(res, 404, 'playlistNotFound', 'Playlist not found');
      const items = [...videos.values()]
        .sort((a, b) => b.publishedAt - a.publishedAt)
        .slice(0, Number(q.get('maxResults') ?? 5))
        .map((v) => ({
          snippet: {
            title: v.title,
            description: v.description,
            resourceId: { kind: 'youtube#video', videoId: v.id },
          },
        }));
      return send(res, 200, { items });
    }
    if (method === 'GET' && (resource === 'commentThreads' || resource === 'comments')) {
      const maxResults = Number(q.get('maxResults') ?? 20);
      if (!(maxResults >= 1 && maxResults <= 100))
        return googleError(res, 400, 'invalidParameter', 'maxResults must be between 1 and 100');
      const offset = q.get('pageToken')
        ? Number(Buffer.from(q.get('pageToken')!, 'base64url').toString())
        : 0;
      if (!Number.isInteger(offset) || offset < 0)
        return googleError(res, 400, 'invalidPageToken', 'The page token is invalid');
      const plain = q.get('textFormat') === 'plainText';
      const parts = (q.get('part') ?? '').split(',');
      const page = <T>(list: T[]) => ({
        items: list.slice(offset, offset + maxResults),
        next:
          offset + maxResults < list.length
            ? Buffer.from(String(offset + maxResults)).toString('base64url')
            : undefined,
      });
      if (resource === 'comments') {
        const parentId = q.get('parentId') ?? '';
        if (!comments.some((c) => c.id === parentId))
          return googleError(res, 404, 'commentNotFound', 'The comment could not be found');
        const { items, next } = page(
          comments.filter((c) => c.parentId === parentId).sort((a, b) => +a.publishedAt - +b.publishedAt),
        );
        return send(res, 200, {
          kind: 'youtube#commentListResponse',
          ...(next ? { nextPageToken: next } : {}),
          items: items.map((c) => commentJson(c, plain)),
        });
      }
      const videoId = q.get('videoId') ?? '';
      if (!videos.has(videoId)) return googleError(res, 404, 'videoNotFound', 'Video not found');
      if (commentsDisabled.has(videoId))
        return googleError(res, 403, 'commentsDisabled', 'The video has disabled comments.');
      const threads = comments
        .filter((c) => c.videoId === videoId && c.parentId === null)
        .sort((a, b) =>
          q.get('order') === 'relevance' ? b.likes - a.likes : +b.publishedAt - +a.publishedAt,
        );
      const { items, next } = page(threads);
      return send(res, 200, {
        kind: 'youtube#commentThreadListResponse',
        ...(next ? { nextPageToken: next } : {}),
        pageInfo: { totalResults: items.length, resultsPerPage: maxResults },
        items: items.map((top) => {
          const replies = comments
            .filter((c) => c.parentId === top.id)
            .sort((a, b) => +a.publishedAt - +b.publishedAt);
          return {
            kind: 'youtube#commentThread',
            id: top.id,
            snippet: {
              channelId: channel.id,
              videoId,
              topLevelComment: commentJson(top, plain),
              canReply: true,
              totalReplyCount: replies.length,
              isPublic: true,
            },
            ...(parts.includes('replies') && replies.length
              ? {
                  replies: {
                    comments: replies.slice(0, REPLIES_IN_THREAD).map((c) => commentJson(c, plain)),
                  },
                }
              : {}),
          };
        }),
      });
    }
    return googleError(res, 404, 'notFound', `no route ${method} ${path}`);
  }

  const server = createServer(async (req, res) => {
    try {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://youtube.test');
      requests.push(
        `${req.method} ${url.pathname}${url.search} ${req.headers['content-range'] ?? ''}`.trim(),
      );
      const fault = matchFault(req.method ?? 'GET', url.pathname);
      const body = (f: Fault) =>
        f.body ?? {
          error: { code: f.status, message: 'Backend Error', errors: [{ reason: 'backendError' }] },
        };
      if (fault && !fault.afterCommit) return send(res, fault.status, body(fault));
      if (fault?.afterCommit) {
        const sink = {
          writeHead: () => sink,
          end: () => sink,
          setHeader: () => sink,
        } as unknown as ServerResponse;
        await handle(req, sink, raw);
        return send(res, fault.status, body(fault));
      }
      await handle(req, res, raw);
    } catch (error) {
      send(res, 500, { error: { code: 500, message: String(error) } });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    base,
    clientId,
    clientSecret,
    channel,
    videos,
    sessions,
    faults,
    requests,
    knobs,
    comments,
    commentsDisabled,
    comment(options) {
      const parent = options.parentId ? comments.find((c) => c.id === options.parentId) : undefined;
      const c: YouTubeComment = {
        // Replies' ids are the thread's id, a dot and their own, as on YouTube.
        id: `${parent ? `${parent.id}.` : 'Ugz'}${randomBytes(6).toString('base64url')}`,
        videoId: parent?.videoId ?? options.videoId,
        parentId: parent?.id ?? null,
        author: options.author ?? { name: '@fan', channelId: 'UCfan00000000000000000' },
        text: options.text,
        likes: options.likes ?? 0,
        publishedAt: options.publishedAt ?? new Date(),
      };
      comments.push(c);
      return c;
    },
    expireAccessTokens() {
      for (const key of tokens.keys()) tokens.set(key, Date.now() - 1);
    },
    forgetSession(id) {
      sessions.delete(id);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
