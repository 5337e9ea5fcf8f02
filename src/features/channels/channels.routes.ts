/** Platforms, connections (OAuth connect or sign-in form, reconnect, refresh, disconnect) and channels. */
import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { channels, connectionHealths, connectionStatuses, connections } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import type { PlatformAdapter } from '../../platforms/types.ts';
import { AppError, notFound } from '../../errors.ts';
import { requireAuth } from '../../http/auth.ts';
import type { Routes } from '../../http/plugin.ts';
import { errorReplies, timestamp, workspaceParams } from '../../http/schemas.ts';
import { ConnectFailed, completeConnect, connectionColumns } from '../connections/complete-connect.ts';
import { disconnect } from '../connections/disconnect.ts';
import { refreshConnection } from '../connections/refresh-connection.ts';
import { signIn } from '../connections/sign-in.ts';
import { startConnect } from '../connections/start-connect.ts';
import { listChannels } from './list-channels.ts';

const tags = ['channels'];

const connectionView = z.object({
  id: z.uuid(),
  platform: z.string(),
  externalAccountId: z.string(),
  username: z.string().nullable(),
  displayName: z.string().nullable(),
  avatarUrl: z.string().nullable(),
  status: z.enum(connectionStatuses),
  health: z.enum(connectionHealths),
  tokenExpiresAt: timestamp.nullable(),
  lastError: z.string().nullable(),
  lastRefreshedAt: timestamp.nullable(),
  lastUsedAt: timestamp.nullable(),
  createdAt: timestamp,
});

const channelView = z
  .object({
    id: z.uuid(),
    platform: z.string(),
    kind: z.string(),
    name: z.string(),
    username: z.string().nullable(),
    avatarUrl: z.string().nullable(),
    url: z.string().nullable(),
    isActive: z.boolean(),
    followersCount: z.number().nullable(),
    lastPostedAt: timestamp.nullable(),
    createdAt: timestamp,
    connection: z.object({
      id: z.uuid(),
      status: z.enum(connectionStatuses),
      health: z.enum(connectionHealths),
      tokenExpiresAt: timestamp.nullable(),
      lastError: z.string().nullable(),
      lastRefreshedAt: timestamp.nullable(),
    }),
  })
  .meta({ id: 'Channel' });

/** Only same-site paths: an OAuth round trip must not become an open redirect. */
const returnTo = z
  .string()
  .max(500)
  .regex(/^\/(?![/\\])/, 'must be a path on this site, starting with a single "/"')
  .optional();

const connectionParams = workspaceParams.extend({ connectionId: z.uuid() });
const platformParams = workspaceParams.extend({ platform: z.string().min(1).max(50) });

const signInBody = z.object({
  values: z
    .record(z.string().min(1).max(100), z.string().max(2000))
    .describe("The sign-in form's values by field name"),
});

const platformView = z
  .object({
    id: z.string(),
    displayName: z.string(),
    capabilities: z.record(z.string(), z.unknown()),
    connect: z.discriminatedUnion('method', [
      z.object({
        method: z.literal('oauth'),
        /** Whether connecting asks which server (Mastodon instances). */
        asksForServer: z.boolean(),
      }),
      z.object({
        method: z.literal('credentials'),
        fields: z.array(
          z.object({
            name: z.string(),
            label: z.string(),
            secret: z.boolean(),
            required: z.boolean(),
            serverUrl: z.boolean(),
            placeholder: z.string().nullable(),
            help: z.string().nullable(),
          }),
        ),
      }),
    ]),
  })
  .meta({ id: 'Platform' });

const platformViewOf = (p: PlatformAdapter): z.infer<typeof platformView> => ({
  id: p.id,
  displayName: p.displayName,
  capabilities: p.capabilities,
  connect:
    p.auth === 'credentials'
      ? {
          method: 'credentials',
          fields: p.credentialFields.map((f) => ({
            name: f.name,
            label: f.label,
            secret: f.secret,
            required: f.required,
            serverUrl: f.serverUrl ?? false,
            placeholder: f.placeholder ?? null,
            help: f.help ?? null,
          })),
        }
      : { method: 'oauth', asksForServer: p.registerApp !== undefined },
});
const channelParams = workspaceParams.extend({ channelId: z.uuid() });

export function channelRoutes(deps: Deps): Routes {
  const knownPlatform = (platform: string) => {
    if (!deps.platforms.has(platform)) throw new AppError('not_found', `unknown platform "${platform}"`);
  };
  return async (app) => {
    app.get(
      '/platforms',
      {
        schema: {
          tags,
          summary: 'Platforms Herald can connect and what each supports',
          params: workspaceParams,
          response: {
            200: z.array(platformView),
          },
        },
      },
      async () => deps.platforms.list().map(platformViewOf),
    );

    app.get(
      '/channels',
      {
        schema: {
          tags,
          summary: 'Channels of the workspace',
          params: workspaceParams,
          response: { 200: z.object({ items: z.array(channelView) }), ...errorReplies },
        },
      },
      async (request) => ({ items: await listChannels(deps, { workspaceId: request.params.workspaceId }) }),
    );

    app.get(
      '/channels/:channelId',
      {
        schema: {
          tags,
          summary: 'One channel of the workspace',
          params: channelParams,
          response: { 200: channelView, ...errorReplies },
        },
      },
      async (request) => (await listChannels(deps, request.params))[0]!,
    );

    app.patch(
      '/channels/:channelId',
      {
        schema: {
          tags,
          summary: 'Turn a channel on or off',
          params: channelParams,
          body: z.object({ isActive: z.boolean() }),
          response: { 200: channelView, ...errorReplies },
        },
      },
      async (request) => {
        const [row] = await deps.db
          .update(channels)
          .set({ isActive: request.body.isActive })
          .where(
            and(
              eq(channels.workspaceId, request.params.workspaceId),
              eq(channels.id, request.params.channelId),
            ),
          )
          .returning({ id: channels.id });
        if (!row) throw notFound('channel');
        return (await listChannels(deps, request.params))[0]!;
      },
    );

    app.get(
      '/connections',
      {
        schema: {
          tags,
          summary: 'Connected accounts (never their tokens)',
          params: workspaceParams,
          response: { 200: z.object({ items: z.array(connectionView) }), ...errorReplies },
        },
      },
      async (request) => ({
        items: await deps.db
          .select(connectionColumns)
          .from(connections)
          .where(eq(connections.workspaceId, request.params.workspaceId))
          .orderBy(desc(connections.createdAt)),
      }),
    );

    app.post(
      '/connect/:platform',
      {
        schema: {
          tags,
          operationId: 'startConnect',
          summary: "Start connecting an account: returns the platform's authorization URL",
          params: platformParams,
          body: z
            .object({
              returnTo,
              serverUrl: z
                .string()
                .trim()
                .min(1)
                .max(500)
                .optional()
                .describe(
                  'The server to connect on, for platforms with many (a Mastodon instance): Herald registers itself there the first time',
                ),
            })
            .default({}),
          response: { 200: z.object({ authorizeUrl: z.string() }), ...errorReplies },
        },
      },
      async (request) => {
        knownPlatform(request.params.platform);
        return startConnect(deps, {
          workspaceId: request.params.workspaceId,
          userId: requireAuth(request).userId,
          platform: request.params.platform,
          returnTo: request.body.returnTo,
          serverUrl: request.body.serverUrl,
        });
      },
    );

    app.post(
      '/connect/:platform/sign-in',
      {
        schema: {
          tags,
          operationId: 'connectWithSignIn',
          summary: 'Connect an account with a sign-in form (Bluesky app password, Ghost Admin API key)',
          description:
            "The platform's `connect.fields` (GET /platforms) say which values to send. Secrets are stored encrypted and never returned.",
          params: platformParams,
          body: signInBody,
          response: { 201: z.object({ connectionId: z.uuid() }), ...errorReplies },
        },
      },
      async (request, reply) => {
        knownPlatform(request.params.platform);
        const result = await signIn(deps, {
          workspaceId: request.params.workspaceId,
          userId: requireAuth(request).userId,
          platform: request.params.platform,
          values: request.body.values,
        });
        return reply.status(201).send(result);
      },
    );

    app.post(
      '/connections/:connectionId/sign-in',
      {
        schema: {
          tags,
          summary: 'Sign in again to a connection that uses a sign-in form (same account)',
          params: connectionParams,
          body: signInBody,
          response: { 200: z.object({ connectionId: z.uuid() }), ...errorReplies },
        },
      },
      async (request) =>
        signIn(deps, {
          workspaceId: request.params.workspaceId,
          userId: requireAuth(request).userId,
          platform: '',
          values: request.body.values,
          connectionId: request.params.connectionId,
        }),
    );

    app.post(
      '/connections/:connectionId/reconnect',
      {
        schema: {
          tags,
          summary: 'Re-authorise a connection (same account)',
          params: connectionParams,
          body: z.object({ returnTo }).default({}),
          response: { 200: z.object({ authorizeUrl: z.string() }), ...errorReplies },
        },
      },
      async (request) =>
        startConnect(deps, {
          workspaceId: request.params.workspaceId,
          userId: requireAuth(request).userId,
          platform: '',
          connectionId: request.params.connectionId,
          returnTo: request.body.returnTo,
        }),
    );

    app.post(
      '/connections/:connectionId/refresh',
      {
        schema: {
          tags,
          summary: "Refresh a connection's tokens now",
          params: connectionParams,
          response: { 200: connectionView, ...errorReplies },
        },
      },
      async (request) => {
        const [row] = await deps.db
          .select({ id: connections.id })
          .from(connections)
          .where(
            and(
              eq(connections.workspaceId, request.params.workspaceId),
              eq(connections.id, request.params.connectionId),
            ),
          );
        if (!row) throw notFound('connection');
        try {
          await refreshConnection(deps, { connectionId: row.id, trigger: 'user' });
        } catch (error) {
          if (error instanceof AppError) throw error;
          throw new AppError('unavailable', `the refresh failed: ${(error as Error).message}`);
        }
        const [view] = await deps.db
          .select(connectionColumns)
          .from(connections)
          .where(eq(connections.id, row.id));
        return view!;
      },
    );

    app.delete(
      '/connections/:connectionId',
      {
        schema: {
          tags,
          summary: 'Disconnect an account: wipes its tokens and cancels its waiting posts',
          params: connectionParams,
          response: { 200: z.object({ cancelledTargets: z.number() }), ...errorReplies },
        },
      },
      async (request) => disconnect(deps, request.params),
    );
  };
}

/** Where platforms send the user back after authorising. Not under a workspace: the state says which. */
export function oauthCallbackRoutes(deps: Deps): Routes {
  return async (app) => {
    app.get(
      '/api/oauth/callback',
      {
        schema: {
          tags,
          summary: 'OAuth redirect target (browser)',
          querystring: z.object({
            state: z.string().min(1).max(500),
            code: z.string().max(4000).optional(),
            error: z.string().max(200).optional(),
            error_description: z.string().max(1000).optional(),
          }),
        },
      },
      async (request, reply) => {
        const back = (path: string | null, params: Record<string, string>) => {
          const url = new URL(path ?? '/channels', deps.config.publicUrl);
          for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
          return reply.redirect(url.pathname + url.search, 302);
        };
        try {
          const result = await completeConnect(deps, {
            state: request.query.state,
            code: request.query.code,
            error: request.query.error,
            errorDescription: request.query.error_description,
          });
          return back(result.returnTo, { connected: result.connectionId });
        } catch (error) {
          if (error instanceof ConnectFailed) return back(error.returnTo, { error: error.message });
          throw error;
        }
      },
    );
  };
}
