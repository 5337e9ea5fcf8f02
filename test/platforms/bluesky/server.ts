/**
 * An AT Protocol PDS (plus the AppView's `getPosts` and a video service) as the lexicons and PDS
 * behaviour describe them, for the adapter's tests: app-password sessions with 2-hour access JWTs
 * and single-use refresh JWTs, `ExpiredToken`, blob upload, record validation (graphemes, bytes,
 * facet ranges, ≤ 4 images of ≤ 1,000,000 bytes, TID record keys, a second create at an existing
 * key refused with a 500 as the real PDS does), `RateLimit-*` headers with a points-based write
 * limit, the XRPC error envelope, and a video job state machine. Knobs let tests inject faults.
 *
 * The AppView's `getPostThread` answers a post with its replies nested (`threadViewPost`, ranked,
 * not in time order) down to `depth`, a withheld reply as `notFoundPost` or `blockedPost` without what hangs under it, and a
 * missing post as 400 `NotFound`; `reply()` and `withhold()` let tests shape a thread.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Account = { did: string; handle: string; appPassword: string; displayName: string };
type StoredRecord = {
  uri: string;
  cid: string;
  value: Record<string, unknown>;
  likes: number;
  reposts: number;
  replies: number;
};
type Fault = {
  nsid: string;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  times: number;
};

export type BlueskyServer = Awaited<ReturnType<typeof startBlueskyServer>>;

const SECRET = randomBytes(32);
const TID = /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/;
const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const graphemes = (s: string) => [...segmenter.segment(s)].length;

function jwt(claims: Record<string, unknown>): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const unsigned = `${enc({ typ: 'at+jwt', alg: 'HS256' })}.${enc(claims)}`;
  return `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;
}

function verify(token: string): Record<string, unknown> | null {
  const [head, body, sig] = token.split('.');
  if (!head || !body || !sig) return null;
  const expected = createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url');
  if (expected !== sig) return null;
  return JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
}

const cidOf = (bytes: Uint8Array | string) =>
  `bafkrei${createHash('sha256').update(bytes).digest('hex').slice(0, 52)}`;

export async function startBlueskyServer(options: { now?: () => Date } = {}) {
  const now = options.now ?? (() => new Date());
  const seconds = () => Math.floor(now().getTime() / 1000);
  const accounts = new Map<string, Account>();
  const blobs = new Map<string, { mimeType: string; size: number }>();
  const records = new Map<string, StoredRecord>();
  const usedRefreshTokens = new Set<string>();
  /** Replies the AppView shows as `notFoundPost` or `blockedPost`. */
  const withheld = new Map<string, 'notFound' | 'blocked'>();
  const jobs = new Map<
    string,
    { did: string; pollsLeft: number; fails: boolean; blob: Record<string, unknown> }
  >();
  const faults: Fault[] = [];
  const calls: { nsid: string; query: URLSearchParams; headers: IncomingMessage['headers'] }[] = [];
  const state = {
    writePoints: { limit: 5000, remaining: 5000, resetAt: seconds() + 3600 },
    videoPolls: 2,
    videoFails: false,
  };

  const addAccount = (handle: string, appPassword: string, displayName: string) => {
    const did = `did:plc:${createHash('sha256').update(handle).digest('hex').slice(0, 24)}`;
    accounts.set(did, { did, handle, appPassword, displayName });
    return did;
  };

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }
  const fail = (
    res: ServerResponse,
    status: number,
    error: string,
    message: string,
    headers: Record<string, string> = {},
  ) => send(res, status, { error, message }, headers);

  function rateHeaders(): Record<string, string> {
    const p = state.writePoints;
    if (p.resetAt <= seconds()) Object.assign(p, { remaining: p.limit, resetAt: seconds() + 3600 });
    return {
      'ratelimit-limit': String(p.limit),
      'ratelimit-remaining': String(Math.max(0, p.remaining)),
      'ratelimit-reset': String(p.resetAt),
      'ratelimit-policy': `${p.limit};w=3600`,
    };
  }

  function session(account: Account) {
    const iat = seconds();
    return {
      accessJwt: jwt({
        scope: 'com.atproto.appPass',
        sub: account.did,
        iat,
        exp: iat + 2 * 3600,
        aud: 'did:web:pds.test',
      }),
      refreshJwt: jwt({
        scope: 'com.atproto.refresh',
        sub: account.did,
        iat,
        exp: iat + 90 * 86400,
        jti: randomBytes(8).toString('hex'),
      }),
      handle: account.handle,
      did: account.did,
      didDoc: {
        id: account.did,
        alsoKnownAs: [`at://${account.handle}`],
        service: [
          { id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: 'https://pds.test' },
        ],
      },
      active: true,
    };
  }

  /** The account a bearer access token belongs to, or the XRPC error to answer. */
  function accessOf(req: IncomingMessage): Account | { status: number; error: string; message: string } {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!match) return { status: 401, error: 'AuthMissing', message: 'Authentication Required' };
    const claims = verify(match[1]!);
    if (!claims || claims.scope === 'com.atproto.refresh')
      return { status: 400, error: 'InvalidToken', message: 'Token could not be verified' };
    if (typeof claims.exp === 'number' && claims.exp < seconds())
      return { status: 400, error: 'ExpiredToken', message: 'Token has expired' };
    const account = accounts.get(String(claims.sub));
    return account ?? { status: 400, error: 'InvalidToken', message: 'Token could not be verified' };
  }

  function validatePost(did: string, record: Record<string, unknown>): string | null {
    if (record.$type !== 'app.bsky.feed.post') return 'Record/$type must be app.bsky.feed.post';
    const text = typeof record.text === 'string' ? record.text : null;
    if (text === null) return 'Record must have the property "text"';
    if (typeof record.createdAt !== 'string' || Number.isNaN(Date.parse(record.createdAt)))
      return 'Record/createdAt must be a valid datetime';
    const bytes = Buffer.byteLength(text, 'utf8');
    if (graphemes(text) > 300) return 'Record/text must not be longer than 300 graphemes';
    if (bytes > 3000) return 'Record/text must not be longer than 3000 characters';
    for (const facet of (record.facets as {
      index: { byteStart: number; byteEnd: number };
      features: { $type: string; did?: string }[];
    }[]) ?? []) {
      const { byteStart, byteEnd } = facet.index;
      if (!(byteStart >= 0 && byteEnd > byteStart && byteEnd <= bytes))
        return 'Record/facets has an invalid byte range';
      for (const f of facet.features) {
        if (f.$type === 'app.bsky.richtext.facet#mention' && !accounts.has(f.did ?? ''))
          return 'Record/facets mention DID is unknown';
      }
    }
    const embed = record.embed as
      | {
          $type?: string;
          images?: { image: { ref: { $link: string }; size: number; mimeType: string }; alt?: unknown }[];
          video?: { ref: { $link: string } };
        }
      | undefined;
    if (embed?.$type === 'app.bsky.embed.images') {
      if ((embed.images?.length ?? 0) > 4) return 'Record/embed/images must not have more than 4 elements';
      for (const [i, image] of (embed.images ?? []).entries()) {
        if (typeof image.alt !== 'string') return `Record/embed/images/${i} must have the property "alt"`;
        const blob = blobs.get(image.image.ref.$link);
        if (!blob) return `Could not find blob: ${image.image.ref.$link}`;
        if (blob.size > 1_000_000)
          return `Record/embed/images/${i}/image file too large (${blob.size} bytes). Max 1000000 bytes`;
        if (!blob.mimeType.startsWith('image/'))
          return `Record/embed/images/${i}/image has the wrong mime type`;
      }
    }
    if (embed?.$type === 'app.bsky.embed.video' && !blobs.has(embed.video?.ref.$link ?? ''))
      return 'Could not find video blob';
    const reply = record.reply as
      { root?: { uri: string; cid: string }; parent?: { uri: string; cid: string } } | undefined;
    if (reply) {
      for (const ref of [reply.root, reply.parent]) {
        const target = ref ? records.get(ref.uri) : undefined;
        if (!target || target.cid !== ref?.cid) return 'Record/reply refers to a post that does not exist';
      }
    }
    void did;
    return null;
  }

  function postView(uri: string) {
    const r = records.get(uri)!;
    const account = accounts.get(uri.split('/')[2]!)!;
    return {
      uri,
      cid: r.cid,
      author: {
        did: account.did,
        handle: account.handle,
        displayName: account.displayName,
        avatar: `https://cdn.test/avatar/${account.did}`,
      },
      record: r.value,
      replyCount: r.replies,
      repostCount: r.reposts,
      likeCount: r.likes,
      quoteCount: 0,
      indexedAt: now().toISOString(),
      labels: [],
    };
  }

  /**
   * `app.bsky.feed.defs#threadViewPost` for `uri`, replies `depth` levels down. The AppView ranks
   * replies rather than dating them: here the most liked first, the newest first among equals.
   */
  function threadView(uri: string, depth: number): Record<string, unknown> {
    const view: Record<string, unknown> = { $type: 'app.bsky.feed.defs#threadViewPost', post: postView(uri) };
    if (depth > 0) {
      view.replies = [...records.values()]
        .filter((r) => (r.value.reply as { parent?: { uri: string } } | undefined)?.parent?.uri === uri)
        .sort(
          (a, b) => b.likes - a.likes || String(b.value.createdAt).localeCompare(String(a.value.createdAt)),
        )
        .map((r) => {
          const hidden = withheld.get(r.uri);
          if (hidden === 'notFound')
            return { $type: 'app.bsky.feed.defs#notFoundPost', uri: r.uri, notFound: true };
          if (hidden === 'blocked') {
            return {
              $type: 'app.bsky.feed.defs#blockedPost',
              uri: r.uri,
              blocked: true,
              author: { did: r.uri.split('/')[2], viewer: { blockedBy: true } },
            };
          }
          return threadView(r.uri, depth - 1);
        });
    }
    return view;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const nsid = url.pathname.replace(/^\/xrpc\//, '');
    calls.push({ nsid, query: url.searchParams, headers: req.headers });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const body = (req.headers['content-type'] ?? '').startsWith('application/json')
      ? JSON.parse(raw.toString('utf8') || '{}')
      : null;

    const fault = faults.find((f) => f.times > 0 && f.nsid === nsid);
    if (fault) {
      fault.times--;
      return send(
        res,
        fault.status,
        fault.body ?? { error: 'InternalServerError', message: 'Internal Server Error' },
        { ...rateHeaders(), ...fault.headers },
      );
    }

    switch (nsid) {
      case 'com.atproto.server.createSession': {
        const account = [...accounts.values()].find(
          (a) => a.handle === body?.identifier || a.did === body?.identifier,
        );
        if (!account || account.appPassword !== body?.password) {
          return fail(res, 401, 'AuthenticationRequired', 'Invalid identifier or password');
        }
        return send(res, 200, session(account), rateHeaders());
      }
      case 'com.atproto.server.refreshSession': {
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
        const claims = verify(token);
        if (claims?.scope !== 'com.atproto.refresh')
          return fail(res, 400, 'InvalidToken', 'Token could not be verified');
        if (typeof claims.exp === 'number' && claims.exp < seconds())
          return fail(res, 400, 'ExpiredToken', 'Token has expired');
        // Rotation: a refresh token works once.
        if (usedRefreshTokens.has(String(claims.jti)))
          return fail(res, 400, 'ExpiredToken', 'Token has been revoked');
        usedRefreshTokens.add(String(claims.jti));
        return send(res, 200, session(accounts.get(String(claims.sub))!), rateHeaders());
      }
      case 'com.atproto.identity.resolveHandle': {
        const account = [...accounts.values()].find((a) => a.handle === url.searchParams.get('handle'));
        return account
          ? send(res, 200, { did: account.did })
          : fail(res, 400, 'InvalidRequest', 'Unable to resolve handle');
      }
      case 'app.bsky.feed.getPosts': {
        const uris = url.searchParams.getAll('uris');
        const posts = uris.flatMap((uri) => {
          const r = records.get(uri);
          return r
            ? [
                {
                  uri,
                  cid: r.cid,
                  record: r.value,
                  likeCount: r.likes,
                  repostCount: r.reposts,
                  replyCount: r.replies,
                  quoteCount: 0,
                  indexedAt: now().toISOString(),
                },
              ]
            : [];
        });
        return send(res, 200, { posts });
      }
      case 'app.bsky.feed.getPostThread': {
        const uri = url.searchParams.get('uri') ?? '';
        const depth = Number(url.searchParams.get('depth') ?? 6);
        if (!(depth >= 0 && depth <= 1000))
          return fail(res, 400, 'InvalidRequest', 'depth must be between 0 and 1000');
        if (!records.has(uri)) return fail(res, 400, 'NotFound', `Post not found: ${uri}`);
        return send(res, 200, { thread: threadView(uri, depth) });
      }
      case 'app.bsky.video.getJobStatus': {
        const jobId = url.searchParams.get('jobId') ?? '';
        const job = jobs.get(jobId);
        if (!job) return fail(res, 404, 'NotFound', 'job not found');
        if (job.fails)
          return send(res, 200, {
            jobStatus: {
              jobId,
              did: job.did,
              state: 'JOB_STATE_FAILED',
              failureCode: 'encoding_failure',
              message: 'could not decode the video',
            },
          });
        if (job.pollsLeft > 0) {
          job.pollsLeft--;
          return send(res, 200, {
            jobStatus: { jobId, did: job.did, state: 'JOB_STATE_ENCODING', progress: 50 },
          });
        }
        return send(res, 200, {
          jobStatus: { jobId, did: job.did, state: 'JOB_STATE_COMPLETED', blob: job.blob },
        });
      }
      case 'app.bsky.video.uploadVideo': {
        const claims = verify(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
        if (claims?.lxm !== 'com.atproto.repo.uploadBlob' || claims.iss !== url.searchParams.get('did')) {
          return fail(res, 401, 'AuthenticationRequired', 'bad service token');
        }
        const cid = cidOf(raw);
        const existing = [...jobs.entries()].find(([, j]) => (j.blob.ref as { $link: string }).$link === cid);
        if (existing)
          return send(res, 409, {
            error: 'already_exists',
            message: 'Video already processed',
            jobId: existing[0],
          });
        const jobId = randomBytes(6).toString('hex');
        const blob = { $type: 'blob', ref: { $link: cid }, mimeType: 'video/mp4', size: raw.length };
        blobs.set(cid, { mimeType: 'video/mp4', size: raw.length });
        jobs.set(jobId, {
          did: String(claims.iss),
          pollsLeft: state.videoPolls,
          fails: state.videoFails,
          blob,
        });
        return send(res, 200, { jobStatus: { jobId, did: claims.iss, state: 'JOB_STATE_CREATED' } });
      }
    }

    const account = accessOf(req);
    if (!('did' in account)) return fail(res, account.status, account.error, account.message);
    const headers = rateHeaders();

    switch (nsid) {
      case 'com.atproto.server.getSession': {
        const { accessJwt: _a, refreshJwt: _r, ...rest } = session(account);
        return send(res, 200, rest, headers);
      }
      case 'com.atproto.server.getServiceAuth': {
        const aud = url.searchParams.get('aud');
        const exp = Number(url.searchParams.get('exp'));
        if (!aud) return fail(res, 400, 'InvalidRequest', 'aud is required', headers);
        return send(
          res,
          200,
          { token: jwt({ iss: account.did, aud, lxm: url.searchParams.get('lxm'), exp }) },
          headers,
        );
      }
      case 'com.atproto.repo.uploadBlob': {
        const mimeType = req.headers['content-type'] ?? 'application/octet-stream';
        const cid = cidOf(raw);
        blobs.set(cid, { mimeType, size: raw.length });
        return send(
          res,
          200,
          { blob: { $type: 'blob', ref: { $link: cid }, mimeType, size: raw.length } },
          headers,
        );
      }
      case 'com.atproto.repo.createRecord': {
        if (body?.repo !== account.did && body?.repo !== account.handle)
          return fail(res, 403, 'InvalidRequest', 'repo does not match', headers);
        state.writePoints.remaining -= 3;
        if (state.writePoints.remaining < 0)
          return fail(res, 429, 'RateLimitExceeded', 'Rate Limit Exceeded', rateHeaders());
        const rkey = typeof body.rkey === 'string' ? body.rkey : randomBytes(7).toString('hex');
        if (body.collection === 'app.bsky.feed.post' && !TID.test(rkey)) {
          return fail(
            res,
            400,
            'InvalidRequest',
            `Invalid record key for app.bsky.feed.post: Invalid TID string (got "${rkey}")`,
            headers,
          );
        }
        const uri = `at://${account.did}/${body.collection}/${rkey}`;
        if (records.has(uri)) return fail(res, 500, 'InternalServerError', 'Internal Server Error', headers);
        const problem =
          body.collection === 'app.bsky.feed.post' ? validatePost(account.did, body.record) : null;
        if (problem)
          return fail(res, 400, 'InvalidRequest', `Invalid app.bsky.feed.post record: ${problem}`, headers);
        const cid = cidOf(JSON.stringify(body.record));
        records.set(uri, { uri, cid, value: body.record, likes: 0, reposts: 0, replies: 0 });
        const parent = (body.record.reply as { parent?: { uri: string } } | undefined)?.parent?.uri;
        if (parent) records.get(parent)!.replies++;
        return send(
          res,
          200,
          { uri, cid, commit: { cid: cidOf(uri), rev: '3l' }, validationStatus: 'valid' },
          rateHeaders(),
        );
      }
      case 'com.atproto.repo.getRecord': {
        const uri = `at://${url.searchParams.get('repo')}/${url.searchParams.get('collection')}/${url.searchParams.get('rkey')}`;
        const record = records.get(uri);
        if (!record) return fail(res, 400, 'RecordNotFound', `Could not locate record: ${uri}`, headers);
        return send(res, 200, { uri, cid: record.cid, value: record.value }, headers);
      }
      case 'com.atproto.repo.deleteRecord': {
        if (body?.repo !== account.did)
          return fail(res, 403, 'InvalidRequest', 'repo does not match', headers);
        state.writePoints.remaining -= 1;
        records.delete(`at://${body.repo}/${body.collection}/${body.rkey}`);
        return send(res, 200, { commit: { cid: 'bafy', rev: '3m' } }, rateHeaders());
      }
    }
    return fail(res, 501, 'MethodNotImplemented', `Method Not Implemented: ${nsid}`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => fail(res, 500, 'InternalServerError', String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    state,
    records,
    blobs,
    calls,
    addAccount,
    /** Saves a profile record the way a client would. */
    setProfile(did: string, value: Record<string, unknown>) {
      records.set(`at://${did}/app.bsky.actor.profile/self`, {
        uri: `at://${did}/app.bsky.actor.profile/self`,
        cid: cidOf(JSON.stringify(value)),
        value,
        likes: 0,
        reposts: 0,
        replies: 0,
      });
    },
    /** Stores `did`'s reply to `parentUri`, as that account's client would create it; returns its URI. */
    reply(options: { did: string; parentUri: string; text: string; createdAt: Date; likes?: number }) {
      const parent = records.get(options.parentUri)!;
      const parentRef = { uri: parent.uri, cid: parent.cid };
      const root =
        (parent.value.reply as { root?: { uri: string; cid: string } } | undefined)?.root ?? parentRef;
      const value = {
        $type: 'app.bsky.feed.post',
        text: options.text,
        createdAt: options.createdAt.toISOString(),
        reply: { root, parent: parentRef },
      };
      const uri = `at://${options.did}/app.bsky.feed.post/3l${randomBytes(6).toString('hex').slice(0, 11)}`;
      records.set(uri, {
        uri,
        cid: cidOf(JSON.stringify(value)),
        value,
        likes: options.likes ?? 0,
        reposts: 0,
        replies: 0,
      });
      parent.replies++;
      return uri;
    },
    /** The AppView shows this reply as `notFoundPost` or `blockedPost` from now on. */
    withhold(uri: string, as: 'notFound' | 'blocked') {
      withheld.set(uri, as);
    },
    fail(fault: Omit<Fault, 'times'> & { times?: number }) {
      faults.push({ times: 1, ...fault });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
