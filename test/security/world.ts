/**
 * The world the security tests run in: a running Herald, a team (admin, user, viewer) with one of
 * every resource in its workspace, and an outsider with one of every resource in theirs. Also the
 * one way these tests send requests (`send`), which checks what must hold for every reply: no stack
 * trace, no source path, and Herald's error shape on every error.
 */
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { multipart, png } from '../media/support.ts';
import { eq } from 'drizzle-orm';
import { sourceItems, trackedPosts, users } from '../../src/db/schema.ts';
import { addMemberTo, newTeam, newUser, type SignedIn, signIn, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import { connectSandbox, uploadImage } from '../support/publishing.ts';
import { type Resources, type Route, resourceId, WORKSPACE_PREFIX } from './routes.ts';

export type World = {
  herald: TestHerald;
  team: Team;
  /** The team's workspace and resources. */
  ours: Resources;
  /** The outsider's workspace and resources: foreign to every team member. */
  theirs: Resources;
  /** Cookie sessions (with their CSRF tokens). */
  sessions: { admin: SignedIn; outsider: SignedIn };
};

/** A well-formed id that names nothing. */
export const missingId = () => randomUUID();

async function seed(
  herald: TestHerald,
  options: { workspaceId: string; admin: Team['admin']; memberId: string },
): Promise<Resources> {
  const { workspaceId, admin } = options;
  const channel = await connectSandbox(herald, {
    workspaceId,
    member: admin,
    username: `acct_${randomUUID().slice(0, 8)}`,
  });
  const mediaId = await uploadImage(herald, { workspaceId, member: admin });
  const post = await herald.app.inject({
    method: 'POST',
    url: `/api/workspaces/${workspaceId}/posts`,
    headers: admin.headers,
    payload: { content: 'Seeded', channelIds: [channel.channelId], mediaIds: [mediaId] },
  });
  expect(post.statusCode, post.body).toBe(201);
  const tokens = await herald.app.inject({ method: 'GET', url: '/api/tokens', headers: admin.headers });
  const app = await herald.app.inject({
    method: 'POST',
    url: `/api/workspaces/${workspaceId}/platform-apps`,
    headers: admin.headers,
    payload: {
      platform: 'sandbox',
      name: 'Seeded app',
      clientId: 'seeded-client',
      clientSecret: 'seeded-secret',
    },
  });
  expect(app.statusCode, app.body).toBe(201);
  const source = await herald.app.inject({
    method: 'POST',
    url: `/api/workspaces/${workspaceId}/sources`,
    headers: admin.headers,
    payload: { kind: 'sandbox', name: 'Seeded source', config: { username: 'demo' } },
  });
  expect(source.statusCode, source.body).toBe(201);
  const [item] = await herald.deps.db
    .insert(sourceItems)
    .values({
      workspaceId,
      sourceId: source.json().id,
      externalId: `seeded-${randomUUID()}`,
      contentHash: randomUUID(),
      title: 'Seeded item',
    })
    .returning({ id: sourceItems.id });
  const [tracked] = await herald.deps.db
    .insert(trackedPosts)
    .values({
      workspaceId,
      channelId: channel.channelId,
      source: 'external',
      remoteId: `seeded-${randomUUID()}`,
      publishedAt: new Date(),
      checkScheduleMinutes: [],
      checkDueAt: [],
    })
    .returning({ id: trackedPosts.id });
  return {
    sourceId: source.json().id,
    itemId: item!.id,
    trackedPostId: tracked!.id,
    workspaceId,
    postId: post.json().id,
    targetId: post.json().targets[0].id,
    mediaId,
    channelId: channel.channelId,
    connectionId: channel.connectionId,
    memberId: options.memberId,
    tokenId: tokens.json().tokens[0].id,
    platformAppId: app.json().id,
  };
}

/** Starts Herald (listening: connecting an account goes through the sandbox over HTTP) and seeds it. */
export async function startWorld(): Promise<World> {
  const herald = await startHerald();
  await herald.listen();
  const team = await newTeam(herald);
  // The first admin of an install is an instance admin: instance-wide routes answer them.
  await herald.deps.db.update(users).set({ isInstanceAdmin: true }).where(eq(users.id, team.admin.id));
  const theirMember = await newUser(herald.deps);
  await addMemberTo(herald.deps, {
    workspaceId: team.otherWorkspace.id,
    userId: theirMember.id,
    role: 'user',
  });
  const [ours, theirs, admin, outsider] = await Promise.all([
    seed(herald, { workspaceId: team.workspace.id, admin: team.admin, memberId: team.user.id }),
    seed(herald, { workspaceId: team.otherWorkspace.id, admin: team.outsider, memberId: theirMember.id }),
    signIn(herald, team.admin),
    signIn(herald, team.outsider),
  ]);
  return { herald, team, ours, theirs, sessions: { admin, outsider } };
}

export type RequestOptions = {
  /** Whose workspace the URL names, and the resources its parameters name. */
  resources: Resources;
  /** Overrides of single path parameters (by name), e.g. a foreign or malformed id. */
  params?: Record<string, string>;
  headers?: Record<string, string>;
  /** Replaces the route's valid body (`undefined` keeps it); a string is sent as it is. */
  body?: unknown;
  /** Replaces the route's valid query. */
  query?: Record<string, string>;
};

export type Request = {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
};

/** The route's URL with its parameters filled in. */
export function urlOf(route: Route, options: Pick<RequestOptions, 'resources' | 'params' | 'query'>): string {
  const filled = route.url.replace(/:(\w+)/g, (_, name: string) => {
    const given = options.params?.[name];
    if (given !== undefined) return encodeURIComponent(given);
    if (name === 'workspaceId') return options.resources.workspaceId;
    const param = route.spec.params?.[name];
    if (!param) throw new Error(`${route.key}: the matrix does not say what :${name} is`);
    return typeof param === 'string' ? resourceId[param](options.resources) : param.value;
  });
  const query = new URLSearchParams(options.query ?? route.spec.query ?? {}).toString();
  return query ? `${filled}?${query}` : filled;
}

/** A request for the route: valid unless the options say otherwise. */
export function requestFor(route: Route, options: RequestOptions): Request {
  const headers = { ...options.headers };
  const request: Request = { method: route.method, url: urlOf(route, options), headers };
  if (route.spec.multipart && options.body === undefined) {
    const form = multipart([
      { name: 'altText', value: 'a pixel' },
      { name: 'file', filename: 'pixel.png', contentType: 'image/png', data: png(2, 2) },
    ]);
    Object.assign(headers, form.headers);
    request.payload = form.payload;
    return request;
  }
  const body = options.body !== undefined ? options.body : route.spec.body?.(options.resources);
  if (body === undefined) return request;
  headers['content-type'] ??= 'application/json';
  request.payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return request;
}

/** A stack frame, on a line of its own or inside a JSON string (where newlines are `\\n`). */
const stackLine = /(?:^|\\n)\s*at [^\n]*?:\d+:\d+/m;
const sourcePath = /(?:\/[\w.@-]+)+\.[cm]?[jt]sx?\b|node_modules|node:internal/;

/** The reply leaks nothing of the server's insides. */
export function expectNoInternals(
  res: { headers: Record<string, unknown>; body: string },
  what: string,
): void {
  const type = String(res.headers['content-type'] ?? '');
  if (type && !/json|text|html/.test(type)) return; // media bytes
  expect(res.body, `${what}: a stack trace in the reply`).not.toMatch(stackLine);
  expect(res.body, `${what}: a source path in the reply`).not.toMatch(sourcePath);
}

/** Herald's one error shape, `{"error": {"code", "message", "details"}}`, and nothing else. */
export function expectErrorShape(res: LightMyRequestResponse, what: string): void {
  const body = res.json();
  expect(Object.keys(body), `${what}: ${res.body}`).toEqual(['error']);
  expect(Object.keys(body.error).sort(), `${what}: ${res.body}`).toEqual(['code', 'details', 'message']);
  expect(body.error.code, what).toEqual(expect.any(String));
  expect(body.error.message, what).toEqual(expect.any(String));
  expect(body.error.message.length, what).toBeGreaterThan(0);
  expect(body.error.details === null || typeof body.error.details === 'object', what).toBe(true);
}

/**
 * Sends a request and checks the invariants of every reply: no stack trace or source path, and the
 * error shape on every error of the API (the web app's routes and the sandbox answer in their own).
 */
export async function send(world: World, request: Request): Promise<LightMyRequestResponse> {
  const res = await world.herald.app.inject({
    method: request.method as 'GET',
    url: request.url,
    headers: request.headers,
    ...(request.payload !== undefined ? { payload: request.payload } : {}),
  });
  const what = `${request.method} ${request.url} -> ${res.statusCode}`;
  expectNoInternals(res, what);
  if (res.statusCode >= 400 && request.method !== 'HEAD') expectErrorShape(res, what);
  return res;
}

/** The reply is the workspace guard's "not a member": indistinguishable from a missing workspace. */
export function expectWorkspaceNotFound(res: LightMyRequestResponse, what: string): void {
  expect(res.statusCode, `${what}: ${res.body}`).toBe(404);
  expect(res.json().error, what).toMatchObject({ code: 'not_found', message: 'workspace not found' });
}

/** A 404 about the resource the URL names, past the workspace guard. */
export function expectResourceNotFound(res: LightMyRequestResponse, what: string): void {
  expect(res.statusCode, `${what}: ${res.body}`).toBe(404);
  expect(res.json().error.code, what).toBe('not_found');
  expect(res.json().error.message, what).not.toBe('workspace not found');
}

export const describeRoute = (route: Route) =>
  route.url.startsWith(WORKSPACE_PREFIX)
    ? `${route.method} …${route.url.slice(WORKSPACE_PREFIX.length)}`
    : `${route.method} ${route.url}`;
