/**
 * A local server that speaks TikTok's Open API v2 as documented, for adapter tests: OAuth with
 * `client_key`, PKCE and rotating refresh tokens (a used one is refused), the `{data, error:{code,
 * message, log_id}}` envelope, `creator_info/query`, Direct Post video init (FILE_UPLOAD chunk rules
 * checked: 5–64 MB chunks, count = floor(size / chunk), sequential `Content-Range`; PULL_FROM_URL),
 * photo init by URL, status progression (upload → processing → complete with a post id after
 * moderation, or FAILED with a fail_reason), video list and query, per-token init limit (429
 * `rate_limit_exceeded`) and the creator's daily cap (`spam_risk_too_many_posts`).
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

type Publish = {
  id: string;
  kind: 'video' | 'photo';
  source: string;
  title: string;
  privacy: string;
  size: number;
  chunkSize: number;
  chunkCount: number;
  chunks: Map<number, Buffer>;
  urls: string[];
  status: 'PROCESSING_UPLOAD' | 'PROCESSING_DOWNLOAD' | 'PUBLISH_COMPLETE' | 'FAILED';
  polls: number;
  postId: string | null;
};
export type Video = { id: string; title: string; likes: number; views: number };

export type TikTokServer = {
  base: string;
  clientKey: string;
  clientSecret: string;
  user: { openId: string; username: string; displayName: string };
  publishes: Map<string, Publish>;
  videos: Map<string, Video>;
  faults: Fault[];
  requests: string[];
  knobs: {
    privacyOptions: string[];
    maxDurationSec: number;
    /** Status fetches until processing ends, and how it ends. */
    processing: {
      polls: number;
      outcome: 'PUBLISH_COMPLETE' | 'FAILED';
      failReason: string;
      moderationPolls: number;
    };
    initsPerMinute: number;
    postsLeftToday: number;
  };
  expireAccessTokens(): void;
  assembled(publishId: string): Buffer;
  close(): Promise<void>;
};

const MB = 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startTikTokServer(): Promise<TikTokServer> {
  const clientKey = 'tt-client-key';
  const clientSecret = 'tt-secret';
  const user = { openId: '-000OpenId123', username: 'heraldtok', displayName: 'Herald Tok' };
  const codes = new Map<string, { redirectUri: string; challenge: string; scope: string }>();
  const tokens = new Map<string, number>();
  const refreshTokens = new Map<string, boolean>();
  const publishes = new Map<string, Publish>();
  const videos = new Map<string, Video>();
  const inits: number[] = [];
  const knobs: TikTokServer['knobs'] = {
    privacyOptions: ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'],
    maxDurationSec: 600,
    processing: {
      polls: 1,
      outcome: 'PUBLISH_COMPLETE',
      failReason: 'file_format_check_failed',
      moderationPolls: 0,
    },
    initsPerMinute: 6,
    postsLeftToday: 15,
  };
  const faults: Fault[] = [];
  const requests: string[] = [];
  let base = '';
  let nextId = 7_400_000_000_000_000_000n;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const logId = () => randomBytes(8).toString('hex').toUpperCase();
  const ok = (res: ServerResponse, data: unknown) =>
    send(res, 200, { data, error: { code: 'ok', message: '', log_id: logId() } });
  const err = (res: ServerResponse, status: number, code: string, message: string) =>
    send(res, status, { error: { code, message, log_id: logId() } });

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

  function issue(scope: string) {
    const access = `act.${randomBytes(12).toString('hex')}`;
    const refresh = `rft.${randomBytes(12).toString('hex')}`;
    tokens.set(access, Date.now() + 7200_000);
    refreshTokens.set(refresh, false);
    return {
      open_id: user.openId,
      scope,
      access_token: access,
      expires_in: 7200,
      refresh_token: refresh,
      refresh_expires_in: 15_552_000,
      token_type: 'Bearer',
    };
  }

  function startPublish(p: Omit<Publish, 'id' | 'chunks' | 'polls' | 'postId'>): Publish {
    const id = `${p.source === 'FILE_UPLOAD' ? 'v_pub_file' : p.kind === 'photo' ? 'p_pub_url' : 'v_pub_url'}~v2-1.${nextId++}`;
    const publish: Publish = { ...p, id, chunks: new Map(), polls: 0, postId: null };
    publishes.set(id, publish);
    knobs.postsLeftToday--;
    return publish;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://tiktok.test');
    const method = req.method ?? 'GET';
    const path = url.pathname;

    if (method === 'GET' && path === '/v2/auth/authorize/') {
      const q = url.searchParams;
      if (q.get('client_key') !== clientKey || q.get('response_type') !== 'code')
        return err(res, 400, 'invalid_request', 'bad client');
      const code = randomBytes(10).toString('hex');
      codes.set(code, {
        redirectUri: q.get('redirect_uri')!,
        challenge: q.get('code_challenge') ?? '',
        scope: q.get('scope') ?? '',
      });
      const back = new URL(q.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('scopes', q.get('scope') ?? '');
      back.searchParams.set('state', q.get('state') ?? '');
      res.writeHead(302, { location: back.toString() });
      return void res.end();
    }
    if (method === 'POST' && path === '/v2/oauth/token/') {
      const form = new URLSearchParams(raw.toString());
      const oauthError = (error: string, description: string) =>
        send(res, 400, { error, error_description: description, log_id: logId() });
      if (form.get('client_key') !== clientKey || form.get('client_secret') !== clientSecret) {
        return oauthError('invalid_client', 'Client key or secret is incorrect.');
      }
      if (form.get('grant_type') === 'authorization_code') {
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        if (!grant || grant.redirectUri !== form.get('redirect_uri'))
          return oauthError('invalid_grant', 'Authorization code is expired.');
        if (
          grant.challenge &&
          createHash('sha256').update(verifier).digest('base64url') !== grant.challenge
        ) {
          return oauthError('invalid_grant', 'Code verifier or code challenge is invalid.');
        }
        return send(res, 200, issue(grant.scope));
      }
      if (form.get('grant_type') === 'refresh_token') {
        const token = form.get('refresh_token') ?? '';
        if (refreshTokens.get(token) !== false)
          return oauthError('invalid_grant', 'Refresh token is invalid or expired.');
        // Rotation: the old refresh token stops working.
        refreshTokens.set(token, true);
        return send(res, 200, issue('user.info.basic,video.publish,video.upload,video.list'));
      }
      return oauthError('unsupported_grant_type', 'Grant type is not supported.');
    }
    if (method === 'PUT' && path.startsWith('/upload/')) {
      const publish = publishes.get(decodeURIComponent(path.split('/')[2]!));
      if (!publish) return err(res, 404, 'invalid_params', 'upload url not found');
      const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
      if (!match) return err(res, 400, 'invalid_file_upload', 'Content-Range is required');
      const [first, last, total] = match.slice(1).map(Number) as [number, number, number];
      const index = Math.floor(first / publish.chunkSize);
      const isLast = index === publish.chunkCount - 1;
      const expectedLast = isLast ? publish.size - 1 : first + publish.chunkSize - 1;
      if (
        total !== publish.size ||
        first !== index * publish.chunkSize ||
        last !== expectedLast ||
        raw.length !== last - first + 1
      ) {
        return err(res, 400, 'invalid_file_upload', 'chunk does not follow the declared chunking');
      }
      // Chunks go in order; the same chunk may be sent again after a lost answer.
      if (index > publish.chunks.size)
        return err(res, 400, 'invalid_file_upload', 'chunks must be uploaded sequentially');
      publish.chunks.set(index, raw);
      if (publish.chunks.size === publish.chunkCount) {
        publish.status = 'PROCESSING_DOWNLOAD';
        return send(res, 201, undefined);
      }
      return send(res, 206, undefined);
    }

    const header = req.headers.authorization ?? '';
    const expiry = header.startsWith('Bearer ') ? tokens.get(header.slice(7)) : undefined;
    if (expiry === undefined || expiry <= Date.now()) {
      return err(
        res,
        401,
        'access_token_invalid',
        'The access token is invalid or not found in the request.',
      );
    }
    const json = raw.length ? (JSON.parse(raw.toString()) as Record<string, unknown>) : {};

    if (method === 'GET' && path === '/v2/user/info/') {
      return ok(res, {
        user: {
          open_id: user.openId,
          display_name: user.displayName,
          username: user.username,
          avatar_url: 'https://p16.tiktok.test/a.jpg',
          follower_count: 321,
        },
      });
    }
    if (method === 'POST' && path === '/v2/post/publish/creator_info/query/') {
      return ok(res, {
        creator_avatar_url: 'https://p16.tiktok.test/a.jpg',
        creator_username: user.username,
        creator_nickname: user.displayName,
        privacy_level_options: knobs.privacyOptions,
        comment_disabled: false,
        duet_disabled: true,
        stitch_disabled: false,
        max_video_post_duration_sec: knobs.maxDurationSec,
      });
    }
    if (
      method === 'POST' &&
      (path === '/v2/post/publish/video/init/' || path === '/v2/post/publish/content/init/')
    ) {
      const now = Date.now();
      while (inits.length && inits[0]! < now - 60_000) inits.shift();
      if (inits.length >= knobs.initsPerMinute) {
        return err(res, 429, 'rate_limit_exceeded', 'API rate limit was exceeded. Please try again later.');
      }
      inits.push(now);
      if (knobs.postsLeftToday <= 0) {
        return err(
          res,
          403,
          'spam_risk_too_many_posts',
          'The daily post cap from the API is reached for the current user.',
        );
      }
      const postInfo = (json.post_info ?? {}) as Record<string, unknown>;
      const source = (json.source_info ?? {}) as Record<string, unknown>;
      if (!knobs.privacyOptions.includes(String(postInfo.privacy_level))) {
        return err(
          res,
          400,
          'privacy_level_option_mismatch',
          'privacy_level is not one of the creator options',
        );
      }
      if (path.endsWith('/content/init/')) {
        const images = (source.photo_images ?? []) as string[];
        if (json.media_type !== 'PHOTO' || source.source !== 'PULL_FROM_URL' || images.length === 0) {
          return err(res, 400, 'invalid_params', 'photo posts need PULL_FROM_URL photo_images');
        }
        const p = startPublish({
          kind: 'photo',
          source: 'PULL_FROM_URL',
          title: String(postInfo.description ?? ''),
          privacy: String(postInfo.privacy_level),
          size: 0,
          chunkSize: 0,
          chunkCount: 0,
          urls: images,
          status: 'PROCESSING_DOWNLOAD',
        });
        return ok(res, { publish_id: p.id });
      }
      if (source.source === 'PULL_FROM_URL') {
        if (typeof source.video_url !== 'string')
          return err(res, 400, 'invalid_params', 'video_url is required');
        const p = startPublish({
          kind: 'video',
          source: 'PULL_FROM_URL',
          title: String(postInfo.title ?? ''),
          privacy: String(postInfo.privacy_level),
          size: 0,
          chunkSize: 0,
          chunkCount: 0,
          urls: [source.video_url],
          status: 'PROCESSING_DOWNLOAD',
        });
        return ok(res, { publish_id: p.id });
      }
      const size = Number(source.video_size);
      const chunkSize = Number(source.chunk_size);
      const count = Number(source.total_chunk_count);
      const validChunk = size < 5 * MB ? chunkSize === size : chunkSize >= 5 * MB && chunkSize <= 64 * MB;
      if (
        source.source !== 'FILE_UPLOAD' ||
        !(size > 0) ||
        !validChunk ||
        count !== Math.max(1, Math.floor(size / chunkSize))
      ) {
        return err(res, 400, 'invalid_params', 'The chunk size or total chunk count is invalid');
      }
      const p = startPublish({
        kind: 'video',
        source: 'FILE_UPLOAD',
        title: String(postInfo.title ?? ''),
        privacy: String(postInfo.privacy_level),
        size,
        chunkSize,
        chunkCount: count,
        urls: [],
        status: 'PROCESSING_UPLOAD',
      });
      return ok(res, {
        publish_id: p.id,
        upload_url: `${base}/upload/${encodeURIComponent(p.id)}/?upload_token=${randomBytes(6).toString('hex')}`,
      });
    }
    if (method === 'POST' && path === '/v2/post/publish/status/fetch/') {
      const p = publishes.get(String(json.publish_id));
      if (!p) return err(res, 400, 'invalid_params', 'publish_id does not exist');
      if (p.status === 'PROCESSING_DOWNLOAD') {
        p.polls++;
        if (p.polls >= knobs.processing.polls) p.status = knobs.processing.outcome;
      }
      if (p.status === 'PUBLISH_COMPLETE' && !p.postId && p.privacy !== 'SELF_ONLY') {
        p.polls++;
        if (p.polls > knobs.processing.polls + knobs.processing.moderationPolls) {
          p.postId = String(nextId++);
          videos.set(p.postId, { id: p.postId, title: p.title, likes: 0, views: 0 });
        }
      }
      const body = JSON.stringify({
        data: {
          status: p.status,
          ...(p.status === 'FAILED' ? { fail_reason: knobs.processing.failReason } : {}),
          ...(p.postId ? { publicaly_available_post_id: [`@@${p.postId}`] } : {}),
          uploaded_bytes: [...p.chunks.values()].reduce((s, b) => s + b.length, 0),
        },
        error: { code: 'ok', message: '', log_id: logId() },
      });
      // TikTok sends post ids as bare 19-digit JSON numbers.
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(body.replace(/"@@(\d+)"/g, '$1'));
    }
    if (method === 'POST' && path === '/v2/video/list/') {
      const list = [...videos.values()].reverse().slice(0, Number(json.max_count ?? 20));
      return ok(res, {
        videos: list.map((v) => ({
          id: v.id,
          title: v.title,
          share_url: `https://www.tiktok.com/@${user.username}/video/${v.id}`,
        })),
        cursor: 0,
        has_more: false,
      });
    }
    if (method === 'POST' && path === '/v2/video/query/') {
      const ids = (((json.filters ?? {}) as { video_ids?: string[] }).video_ids ?? []).slice(0, 20);
      const list = ids.map((id) => videos.get(id)).filter((v): v is Video => v !== undefined);
      return ok(res, {
        videos: list.map((v) => ({
          id: v.id,
          like_count: v.likes,
          comment_count: 1,
          share_count: 2,
          view_count: v.views,
        })),
      });
    }
    return err(res, 404, 'invalid_params', `no route ${method} ${path}`);
  }

  const server = createServer(async (req, res) => {
    try {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://tiktok.test');
      requests.push(`${req.method} ${url.pathname} ${req.headers['content-range'] ?? ''}`.trim());
      const fault = matchFault(
        req.method ?? 'GET',
        url.pathname.startsWith('/upload/') ? '/upload' : url.pathname,
      );
      const body = (f: Fault) =>
        f.body ?? { error: { code: 'internal_error', message: 'Something went wrong.', log_id: logId() } };
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
      send(res, 500, { error: { code: 'internal_error', message: String(error), log_id: logId() } });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    base,
    clientKey,
    clientSecret,
    user,
    publishes,
    videos,
    faults,
    requests,
    knobs,
    expireAccessTokens() {
      for (const key of tokens.keys()) tokens.set(key, Date.now() - 1);
    },
    assembled(publishId) {
      const p = publishes.get(publishId)!;
      return Buffer.concat([...p.chunks.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b));
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
