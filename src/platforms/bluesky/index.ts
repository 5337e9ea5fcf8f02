/**
 * Herald's adapter for Bluesky and any AT Protocol PDS. The platform app's `baseUrl` is the PDS
 * or entryway (default `https://bsky.social`); `settings.appViewUrl`, `settings.videoServiceUrl`
 * and `settings.webUrl` point at the other services when they are not Bluesky's.
 *
 * Connecting uses a handle and an app password typed into Herald's sign-in form (`session.ts`);
 * the session's access JWT (2 h) and refresh JWT (rotating) are the connection's tokens.
 *
 * Publishing is idempotent: Herald chooses each record's key from the idempotency key
 * (`record-key.ts`), so a retry finds the record an earlier attempt made instead of posting again,
 * and reconciling is an exact `getRecord`.
 */
import { z } from 'zod';
import {
  type AdapterContext,
  type Capabilities,
  type Credentials,
  type CredentialsAdapter,
  PlatformError,
  type PublishRequest,
  type RateLimitInfo,
} from '../types.ts';
import { appViewOf, failureOf, postWebUrl, serviceUrl, webAppOf, xrpc, xrpcRaw } from './api.ts';
import { readThreadReplies } from './comments.ts';
import { type Blob, prepareVideo, uploadBlob } from './media.ts';
import { recordKeyFor } from './record-key.ts';
import { detectFacets, MAX_GRAPHEMES, resolveFacets } from './richtext.ts';
import { createSession, getSession, pdsOf, refreshSession } from './session.ts';
import { MAX_IMAGES, readOptions, validate } from './validate.ts';
import { rejectInvalid } from '../kit/validation.ts';
import { resolveBlueskyUrl } from './resolve-url.ts';

const POST = 'app.bsky.feed.post';

const capabilities: Capabilities = {
  text: true,
  images: MAX_IMAGES,
  video: true,
  threads: true,
  maxTextLength: MAX_GRAPHEMES,
  idempotentPublish: true,
  canDelete: true,
  metrics: true,
  comments: true,
};

const strongRef = z.object({ uri: z.string(), cid: z.string() });
type StrongRef = z.infer<typeof strongRef>;

const recordReply = z.object({ uri: z.string(), cid: z.string().optional(), value: z.unknown() });

function didOf(credentials: Credentials): string {
  const did = credentials.metadata.did;
  return typeof did === 'string' ? did : credentials.accountId;
}

/** `at://<did>/<collection>/<rkey>` → its parts. */
export function parseAtUri(uri: string): { repo: string; collection: string; rkey: string } {
  const match = /^at:\/\/([^/]+)\/([^/]+)\/([^/?#]+)$/.exec(uri);
  if (!match) throw new PlatformError({ kind: 'invalid', message: `not a record URI: ${uri}` });
  return { repo: match[1]!, collection: match[2]!, rkey: match[3]! };
}

function webUrlOf(ctx: AdapterContext, credentials: Credentials, rkey: string): string {
  const handle = credentials.metadata.handle;
  return postWebUrl(ctx, typeof handle === 'string' ? handle : didOf(credentials), rkey);
}

/** The record at `rkey`, or null when there is none. */
async function findRecord(
  ctx: AdapterContext,
  credentials: Credentials,
  rkey: string,
): Promise<StrongRef | null> {
  const reply = await xrpcRaw(ctx, {
    what: 'read post',
    nsid: 'com.atproto.repo.getRecord',
    token: credentials.accessToken,
    query: { repo: didOf(credentials), collection: POST, rkey },
  });
  if (reply.ok) {
    const parsed = recordReply.safeParse(reply.body);
    if (parsed.success && parsed.data.cid) return { uri: parsed.data.uri, cid: parsed.data.cid };
  }
  const error = (reply.body as { error?: unknown } | null)?.error;
  if (reply.status === 400 && error === 'RecordNotFound') return null;
  if (reply.status === 404) return null;
  throw failureOf(ctx, 'read post', reply);
}

async function resolveHandle(ctx: AdapterContext, handle: string): Promise<string | null> {
  const reply = await xrpcRaw(ctx, {
    what: 'resolve handle',
    nsid: 'com.atproto.identity.resolveHandle',
    query: { handle },
  });
  const did = (reply.body as { did?: unknown } | null)?.did;
  return reply.ok && typeof did === 'string' ? did : null;
}

type ImageEmbed = { image: Blob; alt: string; aspectRatio?: { width: number; height: number } };

/**
 * Creates the record at `rkey`, or finds the one an earlier attempt created there. The PDS refuses
 * a second create at an existing key (with a 500), so any refusal other than auth or rate limiting
 * is checked against the repository before it counts.
 */
async function createOrFind(
  ctx: AdapterContext,
  credentials: Credentials,
  rkey: string,
  record: Record<string, unknown>,
): Promise<{ ref: StrongRef; rateLimit: RateLimitInfo | null }> {
  try {
    const { data, rateLimit } = await xrpc(ctx, strongRef, {
      what: 'create post',
      nsid: 'com.atproto.repo.createRecord',
      token: credentials.accessToken,
      json: { repo: didOf(credentials), collection: POST, rkey, record },
      bucket: 'writes',
    });
    return { ref: data, rateLimit };
  } catch (error) {
    if (!(error instanceof PlatformError) || error.kind === 'auth' || error.kind === 'rate_limited')
      throw error;
    const existing = await findRecord(ctx, credentials, rkey).catch(() => null);
    if (existing) return { ref: existing, rateLimit: error.rateLimit };
    throw error;
  }
}

async function postRecord(
  ctx: AdapterContext,
  options: {
    text: string;
    langs: string[];
    embed: Record<string, unknown> | null;
    reply: { root: StrongRef; parent: StrongRef } | null;
  },
): Promise<Record<string, unknown>> {
  const facets = await resolveFacets(detectFacets(options.text), (handle) => resolveHandle(ctx, handle));
  return {
    $type: POST,
    text: options.text,
    createdAt: ctx.now().toISOString(),
    ...(facets.length ? { facets } : {}),
    ...(options.embed ? { embed: options.embed } : {}),
    ...(options.reply ? { reply: options.reply } : {}),
    ...(options.langs.length ? { langs: options.langs } : {}),
  };
}

export const partKey = (key: string, n: number) => `${key}:${n}`;

async function readProfileRecord(ctx: AdapterContext, accessToken: string, did: string) {
  const reply = await xrpcRaw(ctx, {
    what: 'read profile',
    nsid: 'com.atproto.repo.getRecord',
    token: accessToken,
    query: { repo: did, collection: 'app.bsky.actor.profile', rkey: 'self' },
  });
  const value = (reply.ok ? (reply.body as { value?: unknown }).value : null) as {
    displayName?: unknown;
    avatar?: { ref?: { $link?: unknown } };
  } | null;
  const avatarCid = value?.avatar?.ref?.$link;
  return {
    displayName: typeof value?.displayName === 'string' && value.displayName ? value.displayName : null,
    avatarUrl:
      typeof avatarCid === 'string'
        ? `${serviceUrl(ctx)}/xrpc/com.atproto.sync.getBlob?did=${encodeURIComponent(did)}&cid=${avatarCid}`
        : null,
  };
}

const postView = z.object({
  uri: z.string(),
  likeCount: z.number().optional(),
  repostCount: z.number().optional(),
  replyCount: z.number().optional(),
  quoteCount: z.number().optional(),
  bookmarkCount: z.number().optional(),
});

async function publishThread(ctx: AdapterContext, credentials: Credentials, request: PublishRequest) {
  const options = readOptions(request.options);
  let embed: Record<string, unknown> | null = null;
  const video = request.media.find((m) => m.kind === 'video');
  if (video) {
    const pdsUrl =
      typeof credentials.metadata.pdsUrl === 'string' ? credentials.metadata.pdsUrl : serviceUrl(ctx);
    const prepared = await prepareVideo(ctx, {
      token: credentials.accessToken,
      did: didOf(credentials),
      pdsUrl,
      item: video,
      state: request.state,
    });
    if (prepared.status === 'pending') return prepared;
    embed = {
      $type: 'app.bsky.embed.video',
      video: prepared.blob,
      ...(video.altText ? { alt: video.altText } : {}),
      ...(video.width && video.height ? { aspectRatio: { width: video.width, height: video.height } } : {}),
    };
  } else if (request.media.length) {
    const images: ImageEmbed[] = [];
    for (const item of request.media) {
      images.push({
        image: await uploadBlob(ctx, credentials.accessToken, item),
        // `alt` is required by the lexicon; empty means "no description".
        alt: item.altText ?? '',
        ...(item.width && item.height ? { aspectRatio: { width: item.width, height: item.height } } : {}),
      });
    }
    embed = { $type: 'app.bsky.embed.images', images };
  }

  const rootKey = recordKeyFor(request.idempotencyKey);
  const root = await createOrFind(
    ctx,
    credentials,
    rootKey,
    await postRecord(ctx, { text: request.text, langs: options.langs, embed, reply: null }),
  );
  let rateLimit = root.rateLimit;
  let parent = root.ref;
  const partIds: string[] = [];
  for (const [i, text] of options.thread.entries()) {
    const part = await createOrFind(
      ctx,
      credentials,
      recordKeyFor(partKey(request.idempotencyKey, i + 1)),
      await postRecord(ctx, { text, langs: options.langs, embed: null, reply: { root: root.ref, parent } }),
    );
    parent = part.ref;
    partIds.push(part.ref.uri);
    rateLimit = part.rateLimit ?? rateLimit;
  }
  return {
    status: 'published' as const,
    remoteId: root.ref.uri,
    remoteUrl: webUrlOf(ctx, credentials, rootKey),
    rateLimit: rateLimit ?? undefined,
    ...(partIds.length ? { partIds } : {}),
  };
}

export const blueskyAdapter: CredentialsAdapter = {
  resolveUrl: resolveBlueskyUrl,
  id: 'bluesky',
  displayName: 'Bluesky',
  capabilities,

  auth: 'credentials',
  credentialFields: [
    {
      name: 'service',
      label: 'Server',
      secret: false,
      required: false,
      serverUrl: true,
      placeholder: 'https://bsky.social',
      help: 'Leave empty for Bluesky itself; give your PDS address for a self-hosted account.',
    },
    {
      name: 'identifier',
      label: 'Handle or email',
      secret: false,
      required: true,
      placeholder: 'alice.bsky.social',
    },
    {
      name: 'password',
      label: 'App password',
      secret: true,
      required: true,
      placeholder: 'xxxx-xxxx-xxxx-xxxx',
      help: 'Create one in Bluesky under Settings → Privacy and security → App passwords. Never your main password.',
    },
  ],

  signIn: (ctx, values) =>
    createSession(ctx, { identifier: values.identifier ?? '', password: values.password ?? '' }),

  async refresh(ctx, credentials) {
    if (!credentials.refreshToken) {
      throw new PlatformError({
        kind: 'auth',
        message: 'the Bluesky session has no refresh token; log in again',
      });
    }
    return refreshSession(ctx, credentials.refreshToken);
  },

  async profile(ctx, tokens) {
    const session = await getSession(ctx, tokens.accessToken);
    const profile = await readProfileRecord(ctx, tokens.accessToken, session.did);
    return {
      externalId: session.did,
      username: session.handle,
      displayName: profile.displayName ?? session.handle,
      avatarUrl: profile.avatarUrl,
      metadata: { did: session.did, handle: session.handle, pdsUrl: pdsOf(session.didDoc) },
    };
  },

  async discoverChannels(ctx, credentials) {
    const session = await getSession(ctx, credentials.accessToken);
    const profile = await readProfileRecord(ctx, credentials.accessToken, session.did);
    return [
      {
        externalId: session.did,
        kind: 'profile',
        name: profile.displayName ?? session.handle,
        username: session.handle,
        avatarUrl: profile.avatarUrl,
        url: `${webAppOf(ctx)}/profile/${session.handle}`,
        metadata: { did: session.did },
      },
    ];
  },

  validate,

  async publish(ctx, credentials, request) {
    rejectInvalid(validate(request));
    return publishThread(ctx, credentials, request);
  },

  /**
   * Exact: the records' keys follow from the idempotency key, so `getRecord` says whether each part
   * exists. A thread cut short is `not_found`: publishing again finds the parts that exist (same
   * keys) and creates only the missing ones.
   */
  async reconcile(ctx, credentials, request) {
    const root = await findRecord(ctx, credentials, recordKeyFor(request.idempotencyKey));
    if (!root) return { status: 'not_found' };
    const thread = readOptions(request.options).thread;
    for (let n = 1; n <= thread.length; n++) {
      if (!(await findRecord(ctx, credentials, recordKeyFor(partKey(request.idempotencyKey, n))))) {
        return { status: 'not_found' };
      }
    }
    return {
      status: 'found',
      remoteId: root.uri,
      remoteUrl: webUrlOf(ctx, credentials, recordKeyFor(request.idempotencyKey)),
    };
  },

  async deletePost(ctx, credentials, remoteId) {
    const { repo, collection, rkey } = parseAtUri(remoteId);
    // Deleting a record that is not there succeeds: what deleting wants.
    await xrpc(ctx, z.unknown(), {
      what: 'delete post',
      nsid: 'com.atproto.repo.deleteRecord',
      token: credentials.accessToken,
      json: { repo, collection, rkey },
      bucket: 'writes',
    });
  },

  /**
   * Counts live in an AppView (`app.bsky.feed.getPosts`), not in the PDS. With no AppView known or
   * reachable, Herald checks the post still exists and reports no numbers rather than zeros.
   */
  async readMetrics(ctx, credentials, remoteId) {
    const appView = appViewOf(ctx);
    if (appView) {
      const { data } = await xrpc(ctx, z.object({ posts: z.array(postView) }), {
        what: 'read post counts',
        nsid: 'app.bsky.feed.getPosts',
        service: appView,
        query: { uris: [remoteId] },
      });
      const post = data.posts[0];
      if (post) {
        return {
          likes: post.likeCount ?? null,
          comments: post.replyCount ?? null,
          shares: post.repostCount ?? null,
          impressions: null,
          saves: post.bookmarkCount ?? null,
          raw: post,
        };
      }
    }
    const { rkey } = parseAtUri(remoteId);
    if (!(await findRecord(ctx, credentials, rkey))) {
      throw new PlatformError({
        kind: 'invalid',
        code: 'RecordNotFound',
        message: `read metrics: ${remoteId} does not exist`,
      });
    }
    return { likes: null, comments: null, shares: null, impressions: null };
  },

  readComments: (ctx, _credentials, remoteId, page) => readThreadReplies(ctx, remoteId, page),
};
