/**
 * Workspace members, under `/api/workspaces/:workspaceId` (the workspace guard has already checked
 * that the caller is a member with the access each route declares).
 */
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { requireAuth } from '../../http/auth.ts';
import type { Routes } from '../../http/plugin.ts';
import { errorReplies, workspaceParams } from '../../http/schemas.ts';
import { addMember } from './add-member.ts';
import { changeMemberRole } from './change-member-role.ts';
import { listMembers } from './list-members.ts';
import { addMemberBody, changeRoleBody, memberParams, memberReply, membersReply } from './members.schemas.ts';
import { removeMember } from './remove-member.ts';

export function memberRoutes(deps: Deps): Routes {
  return async (app) => {
    app.get(
      '/members',
      {
        config: { access: 'read' },
        schema: {
          tags: ['members'],
          summary: 'Members of the workspace with their roles',
          params: workspaceParams,
          response: { 200: membersReply, ...errorReplies },
        },
      },
      async (request) => ({ members: await listMembers(deps, request.params) }),
    );

    app.post(
      '/members',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['members'],
          summary: 'Add a user by email; creates the user when a password is given',
          params: workspaceParams,
          body: addMemberBody,
          response: { 201: memberReply, ...errorReplies },
        },
      },
      async (request, reply) => {
        const member = await addMember(deps, {
          ...request.body,
          workspaceId: request.params.workspaceId,
          actorUserId: requireAuth(request).userId,
        });
        return reply.status(201).send(member);
      },
    );

    app.patch(
      '/members/:userId',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['members'],
          summary: "Change a member's role (the last admin cannot be demoted)",
          params: memberParams,
          body: changeRoleBody,
          response: { 200: memberReply, ...errorReplies },
        },
      },
      async (request) =>
        changeMemberRole(deps, {
          ...request.params,
          role: request.body.role,
          actorUserId: requireAuth(request).userId,
        }),
    );

    app.delete(
      '/members/:userId',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['members'],
          summary: 'Remove a member from the workspace (the last admin cannot be removed)',
          params: memberParams,
          response: { 204: z.null(), ...errorReplies },
        },
      },
      async (request, reply) => {
        await removeMember(deps, { ...request.params, actorUserId: requireAuth(request).userId });
        return reply.status(204).send(null);
      },
    );
  };
}
