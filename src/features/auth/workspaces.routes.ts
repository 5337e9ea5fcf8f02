/**
 * The caller's workspaces. Routes *inside* a workspace live under `/api/workspaces/:workspaceId`
 * behind the workspace guard; these two are about membership in general, so they are not.
 */
import type { Deps } from '../../deps.ts';
import { requireAuth } from '../../http/auth.ts';
import type { Routes } from '../../http/plugin.ts';
import { errorReplies } from '../../http/schemas.ts';
import { createWorkspaceBody, myWorkspaceReply, workspacesReply } from './auth.schemas.ts';
import { createWorkspace } from './create-workspace.ts';
import { listMyWorkspaces } from './list-my-workspaces.ts';

export function workspaceRoutes(deps: Deps): Routes {
  return async (app) => {
    app.get(
      '/api/workspaces',
      {
        schema: {
          tags: ['workspaces'],
          summary: 'The workspaces the caller belongs to, with their role',
          response: { 200: workspacesReply, ...errorReplies },
        },
      },
      async (request) => {
        const auth = requireAuth(request);
        return { workspaces: await listMyWorkspaces(deps, { userId: auth.userId }) };
      },
    );

    app.post(
      '/api/workspaces',
      {
        schema: {
          tags: ['workspaces'],
          summary: 'Create a workspace; the caller becomes its admin',
          body: createWorkspaceBody,
          response: { 201: myWorkspaceReply, ...errorReplies },
        },
      },
      async (request, reply) => {
        const auth = requireAuth(request);
        const workspace = await createWorkspace(deps, { name: request.body.name, ownerId: auth.userId });
        return reply.status(201).send(workspace);
      },
    );
  };
}
