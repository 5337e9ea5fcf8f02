/**
 * A local server that speaks LinkedIn's API as documented, for adapter tests: the 3-legged OAuth
 * flow with programmatic refresh tokens whose lifetime is fixed at the first grant, `/v2/userinfo`,
 * the versioned REST API (requests without `LinkedIn-Version` or `X-Restli-Protocol-Version: 2.0.0`
 * are refused), organisation ACLs, the Images/Documents/Videos upload protocols (video parts with
 * ETags checked at finalize, processing that ends AVAILABLE or PROCESSING_FAILED), the Posts API
 * (`x-restli-id` on 201, 422 DUPLICATE_POST, `q=author` listing, delete), socialMetadata, share
 * statistics, the Comments API (`socialActions/{urn}/comments` on posts and on comments, `start`/
 * `count` paging, URN keys that must be encoded, parentheses too) and a per-member daily limit
 * answered with 429. `addComment` lets a member or an organisation comment or reply.
 *
 * `faults` answers a matching request with a status, optionally after doing the work (a reply lost
 * on the way back).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = {
  /** `METHOD /path` where a segment may be `*`. */
  route: string;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  afterCommit?: boolean;
  times?: number;
};

type Asset = {
  urn: string;
  kind: 'image' | 'video' | 'document';
  owner: string;
  size: number;
  parts: { first: number; last: number; etag: string | null; bytes: Buffer | null }[];
  status: 'WAITING_UPLOAD' | 'PROCESSING' | 'AVAILABLE' | 'PROCESSING_FAILED';
  polls: number;
};
export type Post = {
  urn: string;
  author: string;
  commentary: string;
  visibility: string;
  content: unknown;
  createdAt: number;
  likes: number;
  comments: number;
};

export type Comment = {
  urn: string;
  /** The post it is on. */
  post: string;
  /** The first-level comment a reply answers. */
  parent: string | null;
  actor: string;
  text: string;
  createdAt: number;
  likes: number;
};

export type LinkedInServer = {
  base: string;
  clientId: string;
  clientSecret: string;
  person: { id: string; name: string };
  organization: { id: string; name: string; vanity: string };
  posts: Map<string, Post>;
  assets: Map<string, Asset>;
  faults: Fault[];
  requests: string[];
  knobs: {
    accessTokenTtlSeconds: number;
    issueRefreshTokens: boolean;
    videoPartBytes: number;
    /** Status polls before processing ends, and how it ends. */
    processing: { polls: number; outcome: 'AVAILABLE' | 'PROCESSING_FAILED' };
    /** Posts a member may create per day before 429. */
    dailyPostLimit: number | null;
    /** Whether `q=author` works for a member (needs r_member_social). */
    memberPostsReadable: boolean;
  };
  comments: Map<string, Comment>;
  expireAccessTokens(): void;
  /** A member (default) or an organisation comments on a post, or replies to a comment. */
  addComment(comment: { on: string; text: string; actor?: string; parent?: string; likes?: number }): string;
  assembled(urn: string): Buffer;
  close(): Promise<void>;
};

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startLinkedInServer(): Promise<LinkedInServer> {
  const clientId = 'li-client';
  const clientSecret = 'li-secret';
  const person = { id: 'AbC123xYz', name: 'Herald Tester' };
  const organization = { id: '2414183', name: 'Herald Inc', vanity: 'herald-inc' };
  const personUrn = `urn:li:person:${person.id}`;
  const orgUrn = `urn:li:organization:${organization.id}`;
  const codes = new Map<string, { redirectUri: string; scopes: string[] }>();
  const tokens = new Map<string, { expiresAt: number; scopes: string[] }>();
  const refreshTokens = new Map<string, { expiresAt: number; scopes: string[] }>();
  const posts = new Map<string, Post>();
  const assets = new Map<string, Asset>();
  const comments = new Map<string, Comment>();
  const postsToday = { count: 0 };
  let nextId = 7_100_000_000_000_000_000n;
  const newId = () => String(nextId++);
  const knobs: LinkedInServer['knobs'] = {
    accessTokenTtlSeconds: 5_184_000,
    issueRefreshTokens: true,
    videoPartBytes: 4 * 1024 * 1024,
    processing: { polls: 1, outcome: 'AVAILABLE' },
    dailyPostLimit: null,
    memberPostsReadable: true,
  };
  const faults: Fault[] = [];
  const requests: string[] = [];
  let base = '';

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const fail = (res: ServerResponse, status: number, message: string, serviceErrorCode?: number) =>
    send(res, status, { status, message, ...(serviceErrorCode ? { serviceErrorCode } : {}) });

  function matchFault(method: string, path: string): Fault | null {
    for (const fault of faults) {
      const [m, p] = fault.route.split(' ');
      if (m !== method) continue;
      const a = p!.split('/');
      const b = path.split('/');
      if (a.length !== b.length || a.some((seg, i) => seg !== '*' && seg !== b[i])) continue;
      if (fault.times !== undefined) {
        fault.times--;
        if (fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
      }
      return fault;
    }
    return null;
  }

  function issue(scopes: string[], refreshExpiresAt?: number) {
    const access = `li-at-${randomBytes(10).toString('hex')}`;
    tokens.set(access, { expiresAt: Date.now() + knobs.accessTokenTtlSeconds * 1000, scopes });
    const reply: Record<string, unknown> = {
      access_token: access,
      expires_in: knobs.accessTokenTtlSeconds,
      scope: scopes.join(','),
    };
    if (knobs.issueRefreshTokens) {
      // LinkedIn does not rotate: the refresh token keeps the TTL of the original grant.
      const refresh = `li-rt-${randomBytes(10).toString('hex')}`;
      const expiresAt = refreshExpiresAt ?? Date.now() + 365 * 86_400_000;
      refreshTokens.set(refresh, { expiresAt, scopes });
      reply.refresh_token = refresh;
      reply.refresh_token_expires_in = Math.floor((expiresAt - Date.now()) / 1000);
    }
    return reply;
  }

  const canPostAs = (author: string) => author === personUrn || author === orgUrn;

  async function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://linkedin.test');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const seg = path.split('/').map((s) => decodeURIComponent(s));

    if (method === 'GET' && path === '/oauth/v2/authorization') {
      const q = url.searchParams;
      if (q.get('client_id') !== clientId || q.get('response_type') !== 'code') {
        return fail(res, 400, 'invalid client or response_type');
      }
      const code = `code-${randomBytes(8).toString('hex')}`;
      codes.set(code, { redirectUri: q.get('redirect_uri')!, scopes: (q.get('scope') ?? '').split(' ') });
      const back = new URL(q.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      res.writeHead(302, { location: back.toString() });
      return void res.end();
    }
    if (method === 'POST' && path === '/oauth/v2/accessToken') {
      const form = new URLSearchParams(raw.toString());
      if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
        return send(res, 401, { error: 'invalid_client', error_description: 'Client authentication failed' });
      }
      if (form.get('grant_type') === 'authorization_code') {
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        if (!grant || grant.redirectUri !== form.get('redirect_uri')) {
          return send(res, 400, {
            error: 'invalid_request',
            error_description: 'Unable to retrieve access token: authorization code not found',
          });
        }
        return send(res, 200, issue(grant.scopes));
      }
      if (form.get('grant_type') === 'refresh_token') {
        const refresh = refreshTokens.get(form.get('refresh_token') ?? '');
        if (!refresh || refresh.expiresAt <= Date.now()) {
          return send(res, 400, {
            error: 'invalid_grant',
            error_description: 'Token has been expired or revoked.',
          });
        }
        return send(res, 200, issue(refresh.scopes, refresh.expiresAt));
      }
      return send(res, 400, { error: 'unsupported_grant_type' });
    }

    // Upload URLs are pre-signed: no version headers.
    if (method === 'PUT' && seg[1] === 'upload') {
      const asset = assets.get(seg[3]!);
      if (!asset) return fail(res, 404, 'upload url not found');
      if (asset.kind === 'video') {
        const part = asset.parts[Number(seg[4])];
        if (!part) return fail(res, 404, 'no such part');
        if (raw.length !== part.last - part.first + 1)
          return fail(res, 400, 'part size does not match the instruction');
        part.bytes = raw;
        part.etag = `"${randomBytes(8).toString('hex')}"`;
        return send(res, 200, undefined, { etag: part.etag });
      }
      asset.parts = [{ first: 0, last: raw.length - 1, etag: null, bytes: raw }];
      asset.status = asset.kind === 'image' ? 'AVAILABLE' : 'PROCESSING';
      return send(res, 201, undefined);
    }

    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? tokens.get(header.slice(7)) : undefined;
    if (!token) return fail(res, 401, 'Invalid access token', 65600);
    if (token.expiresAt <= Date.now())
      return fail(res, 401, 'The token used in the request has expired', 65601);

    if (method === 'GET' && path === '/v2/userinfo') {
      return send(res, 200, {
        sub: person.id,
        name: person.name,
        given_name: 'Herald',
        family_name: 'Tester',
        picture: 'https://media.licdn.test/p.jpg',
        email: 'tester@herald.test',
        email_verified: true,
      });
    }
    if (seg[1] !== 'rest') return fail(res, 404, `no route ${method} ${path}`);
    if (!/^\d{6}$/.test(String(req.headers['linkedin-version'] ?? ''))) {
      return fail(
        res,
        400,
        'A version must be present. Please specify a version by adding the LinkedIn-Version header.',
        20,
      );
    }
    if (req.headers['x-restli-protocol-version'] !== '2.0.0') {
      return fail(res, 400, 'X-Restli-Protocol-Version 2.0.0 is required');
    }
    const json = raw.length ? (JSON.parse(raw.toString()) as Record<string, unknown>) : {};
    const resource = seg[2];
    const action = url.searchParams.get('action');

    if (method === 'GET' && resource === 'organizationAcls') {
      if (url.searchParams.get('q') !== 'roleAssignee') return fail(res, 400, 'q=roleAssignee required');
      return send(res, 200, {
        elements: [
          { organization: orgUrn, role: 'ADMINISTRATOR', state: 'APPROVED', roleAssignee: personUrn },
          {
            organization: 'urn:li:organization:999',
            role: 'ANALYST',
            state: 'APPROVED',
            roleAssignee: personUrn,
          },
        ],
        paging: { count: 100, start: 0 },
      });
    }
    if (method === 'GET' && resource === 'organizations' && seg[3]) {
      if (seg[3] !== organization.id) return fail(res, 404, 'Not found');
      return send(res, 200, {
        id: Number(organization.id),
        localizedName: organization.name,
        vanityName: organization.vanity,
      });
    }
    if (method === 'POST' && (resource === 'images' || resource === 'videos' || resource === 'documents')) {
      const request = (json.initializeUploadRequest ?? json.finalizeUploadRequest) as Record<string, unknown>;
      if (action === 'initializeUpload') {
        if (!canPostAs(String(request?.owner)))
          return fail(res, 403, 'Not enough permissions to access owner');
        const id = newId();
        const kind = resource === 'images' ? 'image' : resource === 'videos' ? 'video' : 'document';
        const urn = `urn:li:${kind}:D${id}`;
        const asset: Asset = {
          urn,
          kind,
          owner: String(request.owner),
          size: 0,
          parts: [],
          status: 'WAITING_UPLOAD',
          polls: 0,
        };
        assets.set(id, asset);
        assets.set(urn, asset);
        if (kind === 'video') {
          const size = Number(request.fileSizeBytes);
          if (!(size > 0)) return fail(res, 400, 'fileSizeBytes is required');
          asset.size = size;
          for (let first = 0; first < size; first += knobs.videoPartBytes) {
            asset.parts.push({
              first,
              last: Math.min(size, first + knobs.videoPartBytes) - 1,
              etag: null,
              bytes: null,
            });
          }
          return send(res, 200, {
            value: {
              video: urn,
              uploadToken: '',
              uploadUrlsExpireAt: Date.now() + 3_600_000,
              uploadInstructions: asset.parts.map((p, i) => ({
                uploadUrl: `${base}/upload/video/${id}/${i}`,
                firstByte: p.first,
                lastByte: p.last,
              })),
            },
          });
        }
        return send(res, 200, {
          value: {
            uploadUrlExpiresAt: Date.now() + 3_600_000,
            uploadUrl: `${base}/upload/${kind}/${id}`,
            [kind]: urn,
          },
        });
      }
      if (action === 'finalizeUpload' && resource === 'videos') {
        const asset = assets.get(String(request?.video));
        if (!asset) return fail(res, 404, 'video not found');
        const sent = request.uploadedPartIds as unknown[];
        const expected = asset.parts.map((p) => p.etag);
        if (request.uploadToken === undefined) return fail(res, 400, 'uploadToken is required');
        if (JSON.stringify(sent) !== JSON.stringify(expected) || expected.includes(null)) {
          return fail(res, 400, 'uploadedPartIds do not match the uploaded parts');
        }
        asset.status = 'PROCESSING';
        return send(res, 200, undefined);
      }
    }
    if (
      method === 'GET' &&
      (resource === 'videos' || resource === 'documents' || resource === 'images') &&
      seg[3]
    ) {
      const asset = assets.get(seg[3]);
      if (!asset) return fail(res, 404, 'Not found');
      if (asset.status === 'PROCESSING') {
        asset.polls++;
        if (asset.polls >= knobs.processing.polls) asset.status = knobs.processing.outcome;
        else return send(res, 200, { id: asset.urn, status: 'PROCESSING', owner: asset.owner });
      }
      return send(res, 200, { id: asset.urn, status: asset.status, owner: asset.owner });
    }
    if (resource === 'posts' && method === 'POST' && !seg[3]) {
      const author = String(json.author);
      if (!canPostAs(author)) return fail(res, 403, `Not enough permissions to post as ${author}`);
      const commentary = typeof json.commentary === 'string' ? json.commentary : '';
      if ([...commentary].length > 3000) return fail(res, 422, 'commentary is too long');
      if (!['PUBLIC', 'CONNECTIONS', 'LOGGED_IN'].includes(String(json.visibility))) {
        return fail(res, 422, 'visibility is invalid');
      }
      const content = json.content as
        { media?: { id: string }; multiImage?: { images: { id: string }[] } } | undefined;
      const ids = content?.media ? [content.media.id] : (content?.multiImage?.images.map((i) => i.id) ?? []);
      if (content?.multiImage && (ids.length < 2 || ids.length > 20))
        return fail(res, 422, 'multiImage takes 2 to 20 images');
      for (const id of ids) {
        const asset = assets.get(id);
        if (!asset || asset.status !== 'AVAILABLE') return fail(res, 422, `media ${id} is not AVAILABLE`);
      }
      const duplicate = [...posts.values()].find(
        (p) => p.author === author && p.commentary === commentary && commentary,
      );
      if (duplicate) {
        return send(res, 422, {
          errorDetailType: 'com.linkedin.common.error.BadRequest',
          message: `Content is a duplicate of ${duplicate.urn}`,
          errorDetails: {
            inputErrors: [{ description: 'Duplicate post is detected', input: {}, code: 'DUPLICATE_POST' }],
          },
          status: 422,
        });
      }
      if (knobs.dailyPostLimit !== null && postsToday.count >= knobs.dailyPostLimit) {
        return fail(res, 429, 'Resource level throttle limit for calls to this resource is reached.');
      }
      postsToday.count++;
      const urn = `urn:li:share:${newId()}`;
      posts.set(urn, {
        urn,
        author,
        commentary,
        visibility: String(json.visibility),
        content: json.content ?? null,
        createdAt: Date.now(),
        likes: 0,
        comments: 0,
      });
      return send(res, 201, undefined, { 'x-restli-id': urn, 'x-linkedin-id': urn });
    }
    if (resource === 'posts' && method === 'GET' && !seg[3]) {
      const author = url.searchParams.get('author') ?? '';
      if (url.searchParams.get('q') !== 'author') return fail(res, 400, 'q=author required');
      if (author === personUrn && !knobs.memberPostsReadable) {
        return fail(res, 403, 'Not enough permissions to access: partnerApiPostsExternal.FINDER-author', 100);
      }
      const elements = [...posts.values()]
        .filter((p) => p.author === author)
        .sort((a, b) => b.createdAt - a.createdAt)
        .slice(0, Number(url.searchParams.get('count') ?? 10))
        .map((p) => ({
          id: p.urn,
          author: p.author,
          commentary: p.commentary,
          lifecycleState: 'PUBLISHED',
          createdAt: p.createdAt,
        }));
      return send(res, 200, { elements, paging: { start: 0, count: elements.length } });
    }
    if (resource === 'posts' && seg[3]) {
      const post = posts.get(seg[3]);
      if (method === 'DELETE') {
        if (!post) return fail(res, 404, 'Not found');
        posts.delete(post.urn);
        return send(res, 204, undefined);
      }
      if (method === 'GET') {
        if (!post) return fail(res, 404, 'Not found');
        return send(res, 200, {
          id: post.urn,
          author: post.author,
          commentary: post.commentary,
          lifecycleState: 'PUBLISHED',
        });
      }
    }
    if (method === 'GET' && resource === 'socialMetadata' && seg[3]) {
      const post = posts.get(seg[3]);
      if (!post) return fail(res, 404, 'Not found');
      return send(res, 200, {
        entity: post.urn,
        reactionSummaries: {
          LIKE: { reactionType: 'LIKE', count: post.likes },
          PRAISE: { reactionType: 'PRAISE', count: 1 },
        },
        commentSummary: { count: post.comments, topLevelCount: post.comments },
        commentsState: 'OPEN',
      });
    }
    if (method === 'GET' && resource === 'socialActions' && seg[4] === 'comments' && !seg[5]) {
      // Rest.li reads a bare `(` in a key as the start of a complex key.
      if (/[()]/.test(path.split('/')[3] ?? '')) {
        return fail(res, 400, `Invalid key: ${seg[3]}: reserved characters must be encoded`);
      }
      const target = seg[3]!;
      const onComment = comments.get(target);
      const post = posts.get(onComment?.post ?? target);
      if (!post || (target.startsWith('urn:li:comment:') && !onComment)) return fail(res, 404, 'Not found');
      if (post.author === personUrn && !knobs.memberPostsReadable) {
        return fail(res, 403, 'Not enough permissions to access: socialActions.comments.GET_ALL', 100);
      }
      const start = Number(url.searchParams.get('start') ?? 0);
      const count = Number(url.searchParams.get('count') ?? 10);
      if (!Number.isInteger(start) || start < 0 || !Number.isInteger(count) || count < 1 || count > 100) {
        return fail(res, 400, 'start and count must be a non-negative offset and 1 to 100');
      }
      const list = [...comments.values()]
        .filter((c) => (onComment ? c.parent === onComment.urn : c.post === post.urn && !c.parent))
        .sort((a, b) => a.createdAt - b.createdAt);
      const elements = list.slice(start, start + count).map((c) => {
        const replies = [...comments.values()].filter((r) => r.parent === c.urn).length;
        const id = /,(\d+)\)$/.exec(c.urn)![1]!;
        return {
          actor: c.actor,
          ...(c.actor.startsWith('urn:li:organization:') ? { agent: personUrn } : {}),
          commentUrn: c.urn,
          $URN: c.urn,
          id,
          created: { actor: c.actor, time: c.createdAt },
          lastModified: { actor: c.actor, time: c.createdAt },
          message: { text: c.text, attributes: [] },
          object: c.post,
          likesSummary: {
            selectedLikes: [],
            aggregatedTotalLikes: c.likes,
            likedByCurrentUser: false,
            totalLikes: c.likes,
          },
          commentsSummary: {
            selectedComments: [],
            totalFirstLevelComments: replies,
            aggregatedTotalComments: replies,
          },
          ...(c.parent ? { parentComment: c.parent } : {}),
        };
      });
      const next = start + count < list.length;
      return send(res, 200, {
        paging: {
          start,
          count,
          total: list.length,
          links: next
            ? [
                {
                  rel: 'next',
                  type: 'application/json',
                  href: `/rest/socialActions/${encodeURIComponent(target)}/comments?start=${start + count}&count=${count}`,
                },
              ]
            : [],
        },
        elements,
      });
    }
    if (method === 'GET' && resource === 'organizationalEntityShareStatistics') {
      const list = /List\(([^)]*)\)/.exec(decodeURIComponent(url.search))?.[1] ?? '';
      const elements = list
        .split(',')
        .map((urn) => posts.get(urn))
        .filter((p): p is Post => p !== undefined && p.author === orgUrn)
        .map((p) => ({
          share: p.urn,
          organizationalEntity: orgUrn,
          totalShareStatistics: {
            impressionCount: 120,
            uniqueImpressionsCount: 90,
            clickCount: 7,
            likeCount: p.likes,
            commentCount: p.comments,
            shareCount: 2,
            engagement: 0.1,
          },
        }));
      return send(res, 200, { elements, paging: { start: 0, count: elements.length } });
    }
    return fail(res, 404, `no route ${method} ${path}`);
  }

  const server = createServer(async (req, res) => {
    try {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://linkedin.test');
      requests.push(`${req.method} ${url.pathname}${url.search}`);
      const fault = matchFault(req.method ?? 'GET', url.pathname);
      const faultBody = (f: Fault) => f.body ?? { status: f.status, message: 'Internal Server Error' };
      if (fault && !fault.afterCommit) return send(res, fault.status, faultBody(fault), fault.headers);
      if (fault?.afterCommit) {
        const sink = {
          writeHead: () => sink,
          end: () => sink,
          setHeader: () => sink,
        } as unknown as ServerResponse;
        await handle(req, sink, raw);
        return send(res, fault.status, faultBody(fault), fault.headers);
      }
      await handle(req, res, raw);
    } catch (error) {
      send(res, 500, { status: 500, message: String(error) });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    base,
    clientId,
    clientSecret,
    person,
    organization,
    posts,
    assets,
    faults,
    requests,
    knobs,
    comments,
    expireAccessTokens() {
      for (const t of tokens.values()) t.expiresAt = Date.now() - 1;
    },
    addComment(comment) {
      const parent = comment.parent ? comments.get(comment.parent) : undefined;
      const post = posts.get(parent?.post ?? comment.on);
      if (!post || (comment.parent && parent?.post !== comment.on)) throw new Error(`nothing to comment on`);
      const urn = `urn:li:comment:(${post.urn},${newId()})`;
      // Distinct, increasing times even within one millisecond.
      const last = Math.max(0, ...[...comments.values()].map((c) => c.createdAt));
      comments.set(urn, {
        urn,
        post: post.urn,
        parent: parent ? (parent.parent ?? parent.urn) : null,
        actor: comment.actor ?? 'urn:li:person:Commenter1',
        text: comment.text,
        createdAt: Math.max(Date.now(), last + 1),
        likes: comment.likes ?? 0,
      });
      return urn;
    },
    assembled(urn) {
      return Buffer.concat(assets.get(urn)!.parts.map((p) => p.bytes ?? Buffer.alloc(0)));
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
