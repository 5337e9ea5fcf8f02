/**
 * Herald's adapter for Ghost (self-hosted or Ghost(Pro)) through the Admin API. The platform app's
 * `baseUrl` is the site's admin URL; a connection's token is an Admin API key of a custom
 * integration (`<id>:<hex secret>`), from which a 5-minute JWT is signed for every request. Keys
 * do not expire and cannot be refreshed: a refused key means the integration was removed.
 *
 * Connecting is a sign-in form: the site's address (kept as the platform app's `baseUrl`) and the
 * Admin API key.
 *
 * Idempotency: every post carries an internal tag derived from the idempotency key
 * (`content.ts`). Publishing looks for that tag first and carries on with the post it finds, so a
 * retry never creates a second post, and reconcile is a lookup by tag — exact unless someone
 * removes the tag in Ghost Admin.
 */
import { z } from 'zod';
import {
  type AdapterContext,
  type Capabilities,
  type Credentials,
  type MediaItem,
  type CredentialsAdapter,
  PlatformError,
  type PublishRequest,
  type ValidationIssue,
} from '../types.ts';
import { adminApiUrl, call, parseAdminKey } from './api.ts';
import { bodyOf, FORMATS, type Format, type InlineImage, idempotencyTag } from './content.ts';
import { rejectInvalid } from '../kit/validation.ts';

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/svg+xml']);
const MAX_TITLE = 255;
const STATUSES = ['published', 'draft'] as const;
const VISIBILITIES = ['public', 'members', 'paid'] as const;

const capabilities: Capabilities = {
  text: true,
  images: 20,
  video: false,
  threads: false,
  maxTextLength: null,
  idempotentPublish: true,
  canDelete: true,
  metrics: false,
  comments: false,
};

const post = z.object({
  id: z.string(),
  url: z.string().nullable().optional(),
  status: z.string(),
  updated_at: z.string(),
  title: z.string().nullable().optional(),
});
export type GhostPost = z.infer<typeof post>;
const posts = z.object({ posts: z.array(post) });
const site = z.object({
  site: z.object({
    title: z.string().nullable().optional(),
    url: z.string(),
    icon: z.string().nullable().optional(),
    logo: z.string().nullable().optional(),
    version: z.string().nullable().optional(),
  }),
});
const uploaded = z.object({
  images: z.array(z.object({ url: z.string(), ref: z.string().nullable().optional() })),
});

type GhostOptions = {
  format: Format;
  status: (typeof STATUSES)[number];
  visibility: (typeof VISIBILITIES)[number] | null;
  tags: string[];
  featured: boolean | null;
  excerpt: string | null;
  newsletter: string | null;
  featureImage: boolean;
};

function readOptions(options: Record<string, unknown>): GhostOptions {
  const pick = <T extends string>(values: readonly T[], value: unknown): T | null =>
    values.find((v) => v === value) ?? null;
  return {
    format: pick(FORMATS, options.format) ?? 'text',
    status: pick(STATUSES, options.status) ?? 'published',
    visibility: pick(VISIBILITIES, options.visibility),
    tags: Array.isArray(options.tags) ? options.tags.filter((t): t is string => typeof t === 'string') : [],
    featured: typeof options.featured === 'boolean' ? options.featured : null,
    excerpt: typeof options.excerpt === 'string' ? options.excerpt : null,
    newsletter: typeof options.newsletter === 'string' ? options.newsletter : null,
    featureImage: options.featureImage !== false,
  };
}

function validate(request: Pick<PublishRequest, 'text' | 'title' | 'media' | 'options'>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const title = request.title?.trim() ?? '';
  if (!title) issues.push({ field: 'title', message: 'Ghost posts need a title' });
  else if (title.length > MAX_TITLE)
    issues.push({ field: 'title', message: `must be at most ${MAX_TITLE} characters` });
  const o = request.options;
  if (o.format !== undefined && !FORMATS.includes(o.format as Format)) {
    issues.push({ field: 'options.format', message: `must be one of ${FORMATS.join(', ')}` });
  }
  if (o.status !== undefined && !STATUSES.includes(o.status as never)) {
    issues.push({ field: 'options.status', message: `must be one of ${STATUSES.join(', ')}` });
  }
  if (o.visibility !== undefined && !VISIBILITIES.includes(o.visibility as never)) {
    issues.push({ field: 'options.visibility', message: `must be one of ${VISIBILITIES.join(', ')}` });
  }
  if (o.tags !== undefined && (!Array.isArray(o.tags) || o.tags.some((t) => typeof t !== 'string'))) {
    issues.push({ field: 'options.tags', message: 'must be a list of tag names' });
  }
  if (typeof o.excerpt === 'string' && o.excerpt.length > 300) {
    issues.push({ field: 'options.excerpt', message: 'must be at most 300 characters' });
  }
  if (o.format === 'lexical') {
    try {
      JSON.parse(request.text);
    } catch {
      issues.push({ field: 'text', message: 'with format "lexical" it must be a Lexical JSON document' });
    }
  }
  request.media.forEach((m, i) => {
    if (!IMAGE_TYPES.has(m.mimeType)) {
      issues.push({
        field: `media.${i}`,
        message: 'Herald publishes images to Ghost (JPEG, PNG, GIF, WebP, SVG), not video, audio or files',
      });
    }
  });
  return issues;
}

async function findByTag(
  ctx: AdapterContext,
  key: string,
  idempotencyKey: string,
): Promise<GhostPost | null> {
  const { data } = await call(ctx, posts, {
    what: 'find post',
    path: '/posts/',
    key,
    query: {
      filter: `tag:${idempotencyTag(idempotencyKey).slug}`,
      limit: '1',
      fields: 'id,url,status,updated_at,title',
    },
  });
  return data.posts[0] ?? null;
}

async function uploadImage(ctx: AdapterContext, key: string, item: MediaItem): Promise<string> {
  const form = new FormData();
  const ext =
    item.mimeType === 'image/svg+xml' ? 'svg' : (item.mimeType.split('/')[1] ?? 'img').replace('jpeg', 'jpg');
  form.set(
    'file',
    new Blob([new Uint8Array(await item.read())], { type: item.mimeType }),
    `${item.id}.${ext}`,
  );
  form.set('purpose', 'image');
  form.set('ref', item.id);
  const { data } = await call(ctx, uploaded, {
    what: 'upload image',
    method: 'POST',
    path: '/images/upload/',
    key,
    form,
  });
  const image = data.images[0];
  if (!image) throw new PlatformError({ kind: 'transient', message: 'upload image: Ghost returned no URL' });
  return image.url;
}

/**
 * Changes an existing post. Ghost refuses an update without the post's current `updated_at`
 * (409 UpdateCollisionError when it is stale), so this reads the post first and, if someone saved
 * it in between, reads and tries once more.
 */
export async function updatePost(
  ctx: AdapterContext,
  credentials: Pick<Credentials, 'accessToken'>,
  options: { id: string; changes: Record<string, unknown>; query?: Record<string, string> },
): Promise<GhostPost> {
  const key = credentials.accessToken;
  for (let attempt = 1; ; attempt++) {
    const current = await call(ctx, posts, {
      what: 'read post',
      path: `/posts/${encodeURIComponent(options.id)}/`,
      key,
    });
    const updatedAt = current.data.posts[0]?.updated_at;
    try {
      const { data } = await call(ctx, posts, {
        what: 'update post',
        method: 'PUT',
        path: `/posts/${encodeURIComponent(options.id)}/`,
        key,
        ...(options.query ? { query: options.query } : {}),
        json: { posts: [{ ...options.changes, updated_at: updatedAt }] },
      });
      return data.posts[0]!;
    } catch (error) {
      if (attempt >= 2 || !(error instanceof PlatformError) || error.status !== 409) throw error;
    }
  }
}

function newsletterQuery(options: GhostOptions): Record<string, string> {
  return options.newsletter && options.status === 'published' ? { newsletter: options.newsletter } : {};
}

async function publishPost(ctx: AdapterContext, credentials: Credentials, request: PublishRequest) {
  const key = credentials.accessToken;
  const options = readOptions(request.options);
  const existing = await findByTag(ctx, key, request.idempotencyKey);
  if (existing) {
    // An earlier attempt made it: never create again. Only a draft still to publish is changed;
    // any other state (published, scheduled, sent) is left as it is.
    if (existing.status === 'draft' && options.status === 'published') {
      return updatePost(ctx, credentials, {
        id: existing.id,
        changes: { status: 'published' },
        query: newsletterQuery(options),
      });
    }
    return existing;
  }
  const images: InlineImage[] = [];
  for (const item of request.media) {
    images.push({
      url: await uploadImage(ctx, key, item),
      alt: item.altText,
      width: item.width,
      height: item.height,
    });
  }
  const feature = options.featureImage ? images[0] : undefined;
  const inline = options.featureImage ? images.slice(1) : images;
  const body = bodyOf({ text: request.text, format: options.format, images: inline });
  const tags = [
    ...options.tags.map((name) => ({ name })),
    { name: idempotencyTag(request.idempotencyKey).name },
  ];
  const fields: Record<string, unknown> = {
    title: request.title?.trim(),
    ...body.fields,
    status: options.status,
    tags,
  };
  if (feature) {
    fields.feature_image = feature.url;
    if (feature.alt) fields.feature_image_alt = feature.alt;
  }
  if (options.visibility) fields.visibility = options.visibility;
  if (options.featured !== null) fields.featured = options.featured;
  if (options.excerpt) fields.custom_excerpt = options.excerpt;
  const { data } = await call(ctx, posts, {
    what: 'create post',
    method: 'POST',
    path: '/posts/',
    key,
    query: { ...(body.source ? { source: body.source } : {}), ...newsletterQuery(options) },
    json: { posts: [fields] },
  });
  return data.posts[0]!;
}

async function readSite(ctx: AdapterContext, key: string) {
  // `/site/` answers anyone; browsing posts proves the key works.
  await call(ctx, z.object({ posts: z.array(z.object({ id: z.string() })) }), {
    what: 'check Admin API key',
    path: '/posts/',
    key,
    query: { limit: '1', fields: 'id' },
  });
  const { data } = await call(ctx, site, { what: 'read site', path: '/site/', key });
  return data.site;
}

export const ghostAdapter: CredentialsAdapter = {
  id: 'ghost',
  displayName: 'Ghost',
  capabilities,

  auth: 'credentials',
  credentialFields: [
    {
      name: 'siteUrl',
      label: 'Site address',
      secret: false,
      required: true,
      serverUrl: true,
      placeholder: 'https://blog.example.com',
      help: 'The address of your Ghost site (its admin address if that differs).',
    },
    {
      name: 'adminApiKey',
      label: 'Admin API key',
      secret: true,
      required: true,
      placeholder: '<id>:<secret>',
      help: 'In Ghost Admin: Settings → Integrations → Add custom integration, then copy its Admin API key.',
    },
  ],

  async signIn(ctx, values) {
    const key = (values.adminApiKey ?? '').trim();
    parseAdminKey(key);
    adminApiUrl(ctx);
    return { accessToken: key, refreshToken: null, expiresAt: null, scopes: [] };
  },

  async refresh() {
    throw new PlatformError({
      kind: 'auth',
      message:
        'Ghost Admin API keys do not expire: a refused key means the integration was removed; paste a new key',
    });
  },

  async profile(ctx, tokens) {
    const s = await readSite(ctx, tokens.accessToken);
    return {
      externalId: s.url,
      username: new URL(s.url).host,
      displayName: s.title ?? new URL(s.url).host,
      avatarUrl: s.icon ?? s.logo ?? null,
      metadata: { siteUrl: s.url, version: s.version ?? null, keyId: parseAdminKey(tokens.accessToken).id },
    };
  },

  async discoverChannels(ctx, credentials) {
    const s = await readSite(ctx, credentials.accessToken);
    return [
      {
        externalId: s.url,
        kind: 'site',
        name: s.title ?? new URL(s.url).host,
        username: new URL(s.url).host,
        avatarUrl: s.icon ?? s.logo ?? null,
        url: s.url,
      },
    ];
  },

  validate,

  async publish(ctx, credentials, request) {
    rejectInvalid(validate(request));
    const created = await publishPost(ctx, credentials, request);
    return { status: 'published', remoteId: created.id, remoteUrl: created.url ?? null };
  },

  /** Exact while the internal tag is on the post: Ghost finds posts by tag in every status. */
  async reconcile(ctx, credentials, request) {
    const found = await findByTag(ctx, credentials.accessToken, request.idempotencyKey);
    if (!found) return { status: 'not_found' };
    // A draft where a published post was asked for: publishing again finishes it.
    if (found.status === 'draft' && readOptions(request.options).status === 'published')
      return { status: 'not_found' };
    return { status: 'found', remoteId: found.id, remoteUrl: found.url ?? null };
  },

  async deletePost(ctx, credentials, remoteId) {
    await call(ctx, null, {
      what: 'delete post',
      method: 'DELETE',
      path: `/posts/${encodeURIComponent(remoteId)}/`,
      key: credentials.accessToken,
      accept: [404],
    });
  },

  /** Ghost's Admin API has no likes, shares or views for a post. */
  async readMetrics() {
    return { likes: null, comments: null, shares: null, impressions: null };
  },

  /**
   * Ghost's documented Admin API has no comments resource: its native comments are served to
   * signed-in members by the Members API (`/members/api/comments/`), which an integration's Admin
   * API key cannot use.
   */
  async readComments() {
    throw new PlatformError({
      kind: 'invalid',
      code: 'unsupported',
      message:
        "Ghost's Admin API has no comments endpoint (comments are served only to signed-in members): read them in Ghost Admin or on the post",
    });
  },
};
