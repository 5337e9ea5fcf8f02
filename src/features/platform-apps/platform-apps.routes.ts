/** Platform apps of the instance (instance admins) and of a workspace (its admins). */
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { requireAuth } from '../../http/auth.ts';
import type { Routes } from '../../http/plugin.ts';
import { errorReplies, workspaceParams } from '../../http/schemas.ts';
import { createPlatformApp, deletePlatformApp, listPlatformApps } from './manage-platform-apps.ts';
import { platformAppInput, platformAppView } from './platform-apps.schemas.ts';

const tags = ['platform apps'];
const list = z.object({ items: z.array(platformAppView) });

/** Instance-wide apps: only instance admins may see or change them. */
export function instancePlatformAppRoutes(deps: Deps): Routes {
  return async (app) => {
    app.addHook('preHandler', async (request) => {
      if (!requireAuth(request).isInstanceAdmin) {
        throw new AppError('forbidden', 'only instance admins manage the instance platform apps');
      }
    });
    const scope = { workspaceId: null };
    app.get(
      '/api/platform-apps',
      {
        schema: {
          tags,
          operationId: 'listInstancePlatformApps',
          summary: 'Platform apps offered to every workspace',
          response: { 200: list, ...errorReplies },
        },
      },
      async () => ({ items: await listPlatformApps(deps, scope) }),
    );
    app.post(
      '/api/platform-apps',
      {
        schema: {
          tags,
          operationId: 'createInstancePlatformApp',
          summary: 'Register a platform app for the instance',
          body: platformAppInput,
          response: { 201: platformAppView, ...errorReplies },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await createPlatformApp(deps, { ...scope, input: request.body })),
    );
    app.delete(
      '/api/platform-apps/:id',
      {
        schema: {
          tags,
          operationId: 'deleteInstancePlatformApp',
          summary: 'Remove an instance platform app',
          params: z.object({ id: z.uuid() }),
          response: { 204: z.null(), ...errorReplies },
        },
      },
      async (request, reply) => {
        await deletePlatformApp(deps, { ...scope, id: request.params.id });
        return reply.status(204).send(null);
      },
    );
  };
}

/** Apps a workspace brings itself (seed 003's "oauth consoles"); they win over the instance's. */
export function workspacePlatformAppRoutes(deps: Deps): Routes {
  return async (app) => {
    app.get(
      '/platform-apps',
      {
        schema: {
          tags,
          summary: "The workspace's own platform apps",
          params: workspaceParams,
          response: { 200: list, ...errorReplies },
        },
      },
      async (request) => ({
        items: await listPlatformApps(deps, { workspaceId: request.params.workspaceId }),
      }),
    );
    app.post(
      '/platform-apps',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: 'Bring a platform app to this workspace',
          params: workspaceParams,
          body: platformAppInput,
          response: { 201: platformAppView, ...errorReplies },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(
            await createPlatformApp(deps, { workspaceId: request.params.workspaceId, input: request.body }),
          ),
    );
    app.delete(
      '/platform-apps/:id',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: "Remove one of the workspace's platform apps",
          params: workspaceParams.extend({ id: z.uuid() }),
          response: { 204: z.null(), ...errorReplies },
        },
      },
      async (request, reply) => {
        await deletePlatformApp(deps, { workspaceId: request.params.workspaceId, id: request.params.id });
        return reply.status(204).send(null);
      },
    );
  };
}
