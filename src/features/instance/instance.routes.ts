/** Instance-wide settings: everyone signed in reads them (and whether they may create workspaces). */
import { z } from 'zod';
import { workspaceCreatorPolicies } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { requireAuth } from '../../http/auth.ts';
import type { Routes } from '../../http/plugin.ts';
import { errorReplies } from '../../http/schemas.ts';
import {
  getInstanceSettings,
  updateInstanceSettings,
  workspaceCreationRefusal,
} from './instance-settings.ts';

const workspaceCreators = z
  .enum(workspaceCreatorPolicies)
  .describe(
    'Who may create workspaces: instance_admins; admins_and_users (anyone who is not only a viewer); everyone',
  );

const settingsReply = z
  .object({
    workspaceCreators,
    canCreateWorkspaces: z.boolean().describe('whether the caller may create a workspace'),
  })
  .meta({ id: 'InstanceSettings' });

export function instanceRoutes(deps: Deps): Routes {
  return async (app) => {
    const reply = async (userId: string) => ({
      ...(await getInstanceSettings(deps)),
      canCreateWorkspaces: (await workspaceCreationRefusal(deps, { userId })) === null,
    });
    app.get(
      '/api/instance/settings',
      {
        schema: {
          operationId: 'getInstanceSettings',
          tags: ['instance'],
          summary: 'Instance-wide settings, and what they allow the caller',
          response: { 200: settingsReply, ...errorReplies },
        },
      },
      async (request) => reply(requireAuth(request).userId),
    );
    app.patch(
      '/api/instance/settings',
      {
        schema: {
          operationId: 'updateInstanceSettings',
          tags: ['instance'],
          summary: 'Change instance-wide settings (instance admins)',
          body: z.object({ workspaceCreators: workspaceCreators.optional() }),
          response: { 200: settingsReply, ...errorReplies },
        },
      },
      async (request) => {
        const auth = requireAuth(request);
        await updateInstanceSettings(deps, {
          actorIsInstanceAdmin: auth.isInstanceAdmin,
          settings: request.body,
        });
        return reply(auth.userId);
      },
    );
  };
}
