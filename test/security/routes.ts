/**
 * The route matrix of the security tests: for every route of Herald's API, who may call it and what a
 * valid request looks like. The tests in this folder walk it; `route-coverage.test.ts` fails when the
 * app has a route the matrix does not describe (or the other way round), so a new route cannot skip
 * the isolation, role, CSRF and bad-input checks.
 *
 * Glossary:
 * - *route key*: `METHOD /path/:param`, in Fastify's spelling (`:id`, not `{id}`).
 * - *resources*: one of each thing a route can name by id (post, target, media, channel, connection,
 *   member, token), seeded in a workspace; the same kinds seeded in the outsider's workspace are the
 *   *foreign* ids.
 */
import type { FastifyInstance } from 'fastify';
import type { Role } from '../../src/db/schema.ts';

/** Ids of one workspace's seeded resources. */
export type Resources = {
  workspaceId: string;
  postId: string;
  /** The target of `postId` (on `channelId`). */
  targetId: string;
  mediaId: string;
  channelId: string;
  connectionId: string;
  /** A member of the workspace who is not its admin. */
  memberId: string;
  /** An API token of the workspace's admin. */
  tokenId: string;
  /** A platform app the workspace brought. */
  platformAppId: string;
  /** A content source, one of its collected items, and a post tracked by URL. */
  sourceId: string;
  itemId: string;
  trackedPostId: string;
};

export type Resource =
  | 'post'
  | 'target'
  | 'media'
  | 'channel'
  | 'connection'
  | 'member'
  | 'token'
  | 'platformApp'
  | 'source'
  | 'item'
  | 'trackedPost';

export const resourceId: Record<Resource, (r: Resources) => string> = {
  post: (r) => r.postId,
  target: (r) => r.targetId,
  media: (r) => r.mediaId,
  channel: (r) => r.channelId,
  connection: (r) => r.connectionId,
  member: (r) => r.memberId,
  token: (r) => r.tokenId,
  platformApp: (r) => r.platformAppId,
  source: (r) => r.sourceId,
  item: (r) => r.itemId,
  trackedPost: (r) => r.trackedPostId,
};

/**
 * Who may call a route: nobody in particular (`public`), any caller with a session or token
 * (`authenticated`), a caller with a session only (`session`), or a workspace member with at least
 * this role.
 */
export type Needs = 'public' | 'authenticated' | 'session' | Role;

export type RouteSpec = {
  needs: Needs;
  /** Path parameters besides `workspaceId`: the resource each names, or a fixed value. */
  params?: Record<string, Resource | { value: string }>;
  /** A valid JSON body; a function so each call can be unique (emails, names). */
  body?: (ids: Resources) => unknown;
  /** A valid query string. */
  query?: Record<string, string>;
  /** The body is multipart/form-data (not described in the OpenAPI document). */
  multipart?: true;
};

const FUTURE = '2099-06-01T12:00:00Z';
const unique = () => Math.random().toString(36).slice(2, 10);

/** Every route of the API. Keys are route keys; `route-coverage.test.ts` keeps this complete. */
/** A month, for the analytics routes' required range. */
const RANGE = { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' };

export const routeMatrix: Record<string, RouteSpec> = {
  'GET /api/health': { needs: 'public' },
  'GET /api/ready': { needs: 'public' },
  'GET /api/setup': { needs: 'public' },
  'POST /api/setup': {
    needs: 'public',
    body: () => ({
      email: `setup-${unique()}@example.test`,
      password: 'a long enough password',
      name: 'Setup',
      workspaceName: 'Setup',
    }),
  },
  'POST /api/auth/login': {
    needs: 'public',
    body: () => ({ email: `nobody-${unique()}@example.test`, password: 'wrong password' }),
  },
  'POST /api/auth/logout': { needs: 'public' },
  'GET /api/me': { needs: 'authenticated' },
  'GET /api/workspaces': { needs: 'authenticated' },
  'POST /api/workspaces': { needs: 'authenticated', body: () => ({ name: `Workspace ${unique()}` }) },
  'POST /api/tokens': { needs: 'session', body: () => ({ name: `token ${unique()}`, expiresInDays: 30 }) },
  'GET /api/tokens': { needs: 'authenticated' },
  // Backups: any caller gets past authentication; only instance admins get further.
  'GET /api/admin/backups': { needs: 'authenticated' },
  'POST /api/admin/backups': { needs: 'authenticated' },
  'POST /api/admin/backups/verify': { needs: 'authenticated' },
  // Instance platform apps: any caller gets past authentication; only instance admins get further.
  'GET /api/platform-apps': { needs: 'authenticated' },
  'POST /api/platform-apps': {
    needs: 'authenticated',
    body: () => ({
      platform: 'sandbox',
      name: `App ${unique()}`,
      clientId: 'client',
      clientSecret: 'secret',
    }),
  },
  'DELETE /api/platform-apps/:id': {
    needs: 'authenticated',
    params: { id: { value: '00000000-0000-4000-8000-000000000000' } },
  },
  'DELETE /api/tokens/:id': { needs: 'authenticated', params: { id: 'token' } },
  // A wrong current password: the route is reached, and nobody's password changes.
  'POST /api/me/password': {
    needs: 'authenticated',
    body: () => ({ currentPassword: 'not the password', newPassword: 'a long enough password' }),
  },
  'GET /api/account-links/:token': {
    needs: 'public',
    params: { token: { value: 'no-such-link-0123456789' } },
  },
  'POST /api/account-links/:token': {
    needs: 'public',
    params: { token: { value: 'no-such-link-0123456789' } },
    body: () => ({ password: 'a long enough password' }),
  },
  'GET /api/instance/settings': { needs: 'authenticated' },
  // Any caller gets past authentication; only instance admins change anything (to the default here).
  'PATCH /api/instance/settings': {
    needs: 'authenticated',
    body: () => ({ workspaceCreators: 'admins_and_users' }),
  },
  'GET /api/oauth/callback': { needs: 'public', query: { state: 'no-such-state', code: 'x' } },
  'GET /media/:id/:signature': {
    needs: 'public',
    params: { id: 'media', signature: { value: 'not-a-valid-signature' } },
  },

  'GET /api/workspaces/:workspaceId/members': { needs: 'viewer' },
  'POST /api/workspaces/:workspaceId/members': {
    needs: 'admin',
    body: () => ({
      email: `added-${unique()}@example.test`,
      role: 'viewer',
      name: 'Added',
      password: 'a long enough password',
    }),
  },
  'POST /api/workspaces/:workspaceId/invitations': {
    needs: 'admin',
    body: () => ({ email: `invited-${unique()}@example.test`, role: 'viewer', name: 'Invited' }),
  },
  'POST /api/workspaces/:workspaceId/members/:userId/password-reset': {
    needs: 'admin',
    params: { userId: 'member' },
  },
  'PATCH /api/workspaces/:workspaceId/members/:userId': {
    needs: 'admin',
    params: { userId: 'member' },
    body: () => ({ role: 'viewer' }),
  },
  'DELETE /api/workspaces/:workspaceId/members/:userId': { needs: 'admin', params: { userId: 'member' } },

  'GET /api/workspaces/:workspaceId/platforms': { needs: 'viewer' },
  'GET /api/workspaces/:workspaceId/channels': { needs: 'viewer' },
  'GET /api/workspaces/:workspaceId/channels/:channelId': {
    needs: 'viewer',
    params: { channelId: 'channel' },
  },
  'PATCH /api/workspaces/:workspaceId/channels/:channelId': {
    needs: 'user',
    params: { channelId: 'channel' },
    body: () => ({ isActive: true }),
  },
  'GET /api/workspaces/:workspaceId/connections': { needs: 'viewer' },
  'POST /api/workspaces/:workspaceId/connect/:platform': {
    needs: 'user',
    params: { platform: { value: 'sandbox' } },
    body: () => ({ returnTo: '/channels' }),
  },
  // Port 9 refuses: a valid sign-in that never leaves the host.
  'POST /api/workspaces/:workspaceId/connect/:platform/sign-in': {
    needs: 'user',
    params: { platform: { value: 'bluesky' } },
    body: () => ({
      values: { service: 'http://127.0.0.1:9', identifier: 'alice.test', password: 'app-password' },
    }),
  },
  'POST /api/workspaces/:workspaceId/connections/:connectionId/sign-in': {
    needs: 'user',
    params: { connectionId: 'connection' },
    body: () => ({ values: { identifier: 'alice.test', password: 'app-password' } }),
  },
  'POST /api/workspaces/:workspaceId/connections/:connectionId/reconnect': {
    needs: 'user',
    params: { connectionId: 'connection' },
    body: () => ({ returnTo: '/channels' }),
  },
  'POST /api/workspaces/:workspaceId/connections/:connectionId/refresh': {
    needs: 'user',
    params: { connectionId: 'connection' },
  },
  'DELETE /api/workspaces/:workspaceId/connections/:connectionId': {
    needs: 'user',
    params: { connectionId: 'connection' },
  },

  'POST /api/workspaces/:workspaceId/media': { needs: 'user', multipart: true },
  'GET /api/workspaces/:workspaceId/media': { needs: 'viewer', query: { limit: '10' } },
  // A loopback URL is refused before anything is fetched: a valid request that never leaves the host.
  'POST /api/workspaces/:workspaceId/media/from-url': {
    needs: 'user',
    body: () => ({ url: 'http://127.0.0.1:9/picture.png', altText: 'a picture' }),
  },
  'GET /api/workspaces/:workspaceId/media/:id': { needs: 'viewer', params: { id: 'media' } },
  'PATCH /api/workspaces/:workspaceId/media/:id': {
    needs: 'user',
    params: { id: 'media' },
    body: () => ({ altText: 'new alt text' }),
  },
  'DELETE /api/workspaces/:workspaceId/media/:id': { needs: 'user', params: { id: 'media' } },
  'GET /api/workspaces/:workspaceId/media/:id/content': { needs: 'viewer', params: { id: 'media' } },

  'POST /api/workspaces/:workspaceId/posts': {
    needs: 'user',
    body: (ids) => ({ title: 'A post', content: 'Hello #herald', channelIds: [ids.channelId] }),
  },
  'GET /api/workspaces/:workspaceId/posts': { needs: 'viewer', query: { limit: '10' } },
  'POST /api/workspaces/:workspaceId/posts/validate': {
    needs: 'user',
    body: (ids) => ({ content: 'Hello', channelIds: [ids.channelId], mediaIds: [ids.mediaId] }),
  },
  'GET /api/workspaces/:workspaceId/posts/:postId': { needs: 'viewer', params: { postId: 'post' } },
  'PATCH /api/workspaces/:workspaceId/posts/:postId': {
    needs: 'user',
    params: { postId: 'post' },
    body: () => ({ content: 'Edited' }),
  },
  'DELETE /api/workspaces/:workspaceId/posts/:postId': { needs: 'user', params: { postId: 'post' } },
  'POST /api/workspaces/:workspaceId/posts/:postId/schedule': {
    needs: 'user',
    params: { postId: 'post' },
    body: () => ({ scheduledAt: FUTURE }),
  },
  'POST /api/workspaces/:workspaceId/posts/:postId/publish-now': {
    needs: 'user',
    params: { postId: 'post' },
  },
  'POST /api/workspaces/:workspaceId/posts/:postId/cancel': { needs: 'user', params: { postId: 'post' } },
  'POST /api/workspaces/:workspaceId/posts/:postId/retry': { needs: 'user', params: { postId: 'post' } },
  'POST /api/workspaces/:workspaceId/posts/:postId/targets/:targetId/resolve': {
    needs: 'user',
    params: { postId: 'post', targetId: 'target' },
    body: () => ({ action: 'retry' }),
  },

  'GET /api/workspaces/:workspaceId/posts/:postId/metrics': { needs: 'viewer', params: { postId: 'post' } },
  'POST /api/workspaces/:workspaceId/posts/:postId/metrics/refresh': {
    needs: 'user',
    params: { postId: 'post' },
  },
  'GET /api/workspaces/:workspaceId/analytics/overview': { needs: 'viewer', query: RANGE },
  'GET /api/workspaces/:workspaceId/analytics/top-posts': { needs: 'viewer', query: RANGE },
  'GET /api/workspaces/:workspaceId/analytics/best-times': { needs: 'viewer' },
  'GET /api/workspaces/:workspaceId/analytics/export.csv': { needs: 'viewer', query: RANGE },
  'GET /api/workspaces/:workspaceId/channels/:channelId/stats': {
    needs: 'viewer',
    params: { channelId: 'channel' },
    query: RANGE,
  },
  'GET /api/workspaces/:workspaceId/tracked-posts': { needs: 'viewer' },
  'POST /api/workspaces/:workspaceId/tracked-posts': {
    needs: 'user',
    body: () => ({ url: 'https://example.test/not-a-post-anyone-tracks' }),
  },
  'DELETE /api/workspaces/:workspaceId/tracked-posts/:trackedPostId': {
    needs: 'user',
    params: { trackedPostId: 'trackedPost' },
  },
  'GET /api/workspaces/:workspaceId/settings/check-backs': { needs: 'viewer' },
  'PUT /api/workspaces/:workspaceId/settings/check-backs': {
    needs: 'user',
    body: () => ({ schedule: ['1h', '1d'] }),
  },

  'GET /api/workspaces/:workspaceId/sources': { needs: 'viewer' },
  'POST /api/workspaces/:workspaceId/sources': {
    needs: 'admin',
    body: () => ({ kind: 'sandbox', name: `Source ${unique()}`, config: { username: 'demo' } }),
  },
  'GET /api/workspaces/:workspaceId/sources/:sourceId': {
    needs: 'viewer',
    params: { sourceId: 'source' },
  },
  'PATCH /api/workspaces/:workspaceId/sources/:sourceId': {
    needs: 'admin',
    params: { sourceId: 'source' },
    body: () => ({ name: 'Renamed' }),
  },
  'DELETE /api/workspaces/:workspaceId/sources/:sourceId': {
    needs: 'admin',
    params: { sourceId: 'source' },
  },
  'POST /api/workspaces/:workspaceId/sources/:sourceId/collect': {
    needs: 'user',
    params: { sourceId: 'source' },
  },
  'GET /api/workspaces/:workspaceId/pipeline/items': { needs: 'viewer' },
  'GET /api/workspaces/:workspaceId/pipeline/items/:itemId': {
    needs: 'viewer',
    params: { itemId: 'item' },
  },
  'POST /api/workspaces/:workspaceId/pipeline/items/:itemId/enrich': {
    needs: 'user',
    params: { itemId: 'item' },
  },
  'POST /api/workspaces/:workspaceId/pipeline/items/:itemId/draft': {
    needs: 'user',
    params: { itemId: 'item' },
  },
  'POST /api/workspaces/:workspaceId/pipeline/items/:itemId/approve': {
    needs: 'user',
    params: { itemId: 'item' },
    body: () => ({}),
  },
  'POST /api/workspaces/:workspaceId/pipeline/items/:itemId/reject': {
    needs: 'user',
    params: { itemId: 'item' },
    body: () => ({ reason: 'not for us' }),
  },
  'GET /api/workspaces/:workspaceId/ai/settings': { needs: 'viewer' },
  'PUT /api/workspaces/:workspaceId/ai/settings': { needs: 'admin', body: () => ({ provider: 'basic' }) },
  'GET /api/workspaces/:workspaceId/ai/usage': { needs: 'viewer', query: RANGE },
  'POST /api/workspaces/:workspaceId/posts/:postId/takedown': {
    needs: 'user',
    params: { postId: 'post' },
    body: () => ({ reason: 'asked to remove it' }),
  },
  'GET /api/workspaces/:workspaceId/takedowns': { needs: 'viewer' },

  'GET /api/workspaces/:workspaceId/jobs': { needs: 'viewer', query: { limit: '10' } },
  'POST /api/workspaces/:workspaceId/jobs/:targetId/retry': { needs: 'user', params: { targetId: 'target' } },

  'GET /api/workspaces/:workspaceId/stats': { needs: 'viewer', query: { tz: 'Europe/Paris' } },
  'GET /api/workspaces/:workspaceId/platform-apps': { needs: 'viewer' },
  'POST /api/workspaces/:workspaceId/platform-apps': {
    needs: 'admin',
    body: () => ({
      platform: 'sandbox',
      name: `App ${unique()}`,
      clientId: 'client',
      clientSecret: 'secret',
    }),
  },
  'DELETE /api/workspaces/:workspaceId/platform-apps/:id': { needs: 'admin', params: { id: 'platformApp' } },
};

export const WORKSPACE_PREFIX = '/api/workspaces/:workspaceId';

export type Route = { key: string; method: string; url: string; spec: RouteSpec };

/** The matrix as a list, optionally filtered. */
export function routes(filter: (route: Route) => boolean = () => true): Route[] {
  return Object.entries(routeMatrix)
    .map(([key, spec]) => {
      const [method, url] = key.split(' ') as [string, string];
      return { key, method, url, spec };
    })
    .filter(filter);
}

export const isWorkspaceRoute = (route: { url: string }) => route.url.startsWith(`${WORKSPACE_PREFIX}/`);
export const isRead = (route: { method: string }) => route.method === 'GET';

/** Roles from least to most powerful. */
export const roleOrder: Role[] = ['viewer', 'user', 'admin'];

/** Route keys that are deliberately outside the matrix: not Herald's API. */
export function isOutsideTheApi(key: string): boolean {
  const url = key.slice(key.indexOf(' ') + 1);
  return (
    url === '/*' || // the web app's catch-all (static files and index.html)
    url.startsWith('/sandbox') || // the fake social network, a platform of its own
    url === '/api/openapi.json' ||
    url === '/api/docs' ||
    url.startsWith('/api/docs/')
  );
}

/**
 * Every route Fastify routes to, read from `printRoutes` (Fastify has no public route list; an
 * `onRoute` hook would have to be installed before `buildApp` registers anything). The tree prints
 * one path fragment per line, indented four columns per level; a route's URL is its fragments
 * joined. HEAD routes Fastify adds for each GET are left out.
 */
export function routeTable(app: FastifyInstance): string[] {
  const keys = new Set<string>();
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    // The root's own fragment ("/") is not printed: a top-level wildcard shows as a bare "*".
    const url = (stack[depth - 1] ?? (match[2]!.startsWith('/') ? '' : '/')) + match[2]!;
    stack[depth] = url;
    for (const method of match[3]?.split(', ') ?? []) {
      if (method !== 'HEAD') keys.add(`${method} ${url}`);
    }
  }
  return [...keys].sort();
}

export type OpenApiSchema = {
  type?: string;
  format?: string;
  pattern?: string;
  enum?: unknown[];
  nullable?: boolean;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  items?: OpenApiSchema;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  additionalProperties?: OpenApiSchema | boolean;
  default?: unknown;
  $ref?: string;
};

export type OpenApiOperation = {
  parameters?: { in: 'path' | 'query' | 'header'; name: string; required?: boolean; schema: OpenApiSchema }[];
  requestBody?: { content: Record<string, { schema: OpenApiSchema }> };
};

export type OpenApiDocument = {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, OpenApiSchema> };
};

/** The operations of the OpenAPI document, keyed by route key. */
export function openApiOperations(doc: OpenApiDocument): Map<string, OpenApiOperation> {
  const operations = new Map<string, OpenApiOperation>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      operations.set(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`, operation);
    }
  }
  return operations;
}

/** A schema with its `$ref` (if any) followed. */
export function resolveSchema(doc: OpenApiDocument, schema: OpenApiSchema): OpenApiSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const target = doc.components?.schemas?.[name];
  if (!target) throw new Error(`unresolved $ref ${schema.$ref}`);
  return resolveSchema(doc, target);
}
