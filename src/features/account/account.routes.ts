/**
 * Passwords: change your own, and one-time links (an admin's reset, an invitation) that let a person
 * set one. The link routes are public: the token is the credential.
 */
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { requireAuth } from '../../http/auth.ts';
import type { Routes } from '../../http/plugin.ts';
import { errorReplies, timestamp, workspaceParams } from '../../http/schemas.ts';
import {
  emailInput,
  loginReply,
  newPasswordInput,
  personNameInput,
  roleInput,
} from '../auth/auth.schemas.ts';
import { PASSWORD_MAX } from '../auth/credentials.ts';
import { createSession } from '../auth/create-session.ts';
import { getCurrentUser } from '../auth/get-current-user.ts';
import { setSessionCookie } from '../auth/session-cookie.ts';
import { memberParams, memberReply } from '../members/members.schemas.ts';
import { changePassword } from './change-password.ts';
import { inviteMember } from './invite-member.ts';
import { describeAccountLink, redeemAccountLink } from './redeem-account-link.ts';
import { resetMemberPassword } from './reset-member-password.ts';

const tags = ['account'];
// Inlined rather than a named component: a nullable reference to a component carries no type.
const linkReply = z.object({
  url: z.string().describe('shown once; pass it on to the person'),
  expiresAt: timestamp,
});
const tokenParams = z.object({ token: z.string().min(16).max(90) });

export function accountRoutes(deps: Deps): Routes {
  return async (app) => {
    app.post(
      '/api/me/password',
      {
        schema: {
          operationId: 'changeMyPassword',
          tags,
          summary: 'Change your password (with the current one); your other sessions end',
          body: z.object({
            currentPassword: z.string().min(1).max(PASSWORD_MAX),
            newPassword: newPasswordInput,
          }),
          response: { 200: z.object({ endedSessions: z.number().int() }), ...errorReplies },
        },
      },
      async (request) => {
        const auth = requireAuth(request);
        return changePassword(deps, {
          userId: auth.userId,
          currentPassword: request.body.currentPassword,
          newPassword: request.body.newPassword,
          keepSessionId: auth.sessionId,
        });
      },
    );

    app.get(
      '/api/account-links/:token',
      {
        schema: {
          operationId: 'describeAccountLink',
          tags,
          summary: 'What a password link is for (a reset or an invitation), while it is valid',
          security: [],
          params: tokenParams,
          response: {
            200: z.object({
              kind: z.enum(['password_reset', 'invitation']),
              email: z.string(),
              name: z.string(),
              workspaceName: z.string().nullable(),
            }),
            ...errorReplies,
          },
        },
      },
      async (request) => describeAccountLink(deps, { token: request.params.token }),
    );

    app.post(
      '/api/account-links/:token',
      {
        schema: {
          operationId: 'redeemAccountLink',
          tags,
          summary: 'Set a password with a one-time link; ends every other session and logs in',
          security: [],
          params: tokenParams,
          body: z.object({ password: newPasswordInput }),
          response: { 200: loginReply, ...errorReplies },
        },
      },
      async (request, reply) => {
        const { userId } = await redeemAccountLink(deps, {
          token: request.params.token,
          password: request.body.password,
        });
        const session = await createSession(deps, { userId, userAgent: request.headers['user-agent'] });
        setSessionCookie(deps, request, reply, session);
        const { user } = await getCurrentUser(deps, { userId });
        return { user, csrfToken: session.csrfToken };
      },
    );
  };
}

/** Under `/api/workspaces/:workspaceId`: invitations and password resets for members (admins). */
export function workspaceAccountRoutes(deps: Deps): Routes {
  return async (app) => {
    app.post(
      '/invitations',
      {
        config: { access: 'admin' },
        schema: {
          operationId: 'inviteMember',
          tags,
          summary: 'Invite a person: a new account gets a one-time link to set its password',
          params: workspaceParams,
          body: z.object({ email: emailInput, role: roleInput, name: personNameInput.optional() }),
          response: {
            201: z.object({
              member: memberReply,
              invitation: linkReply.nullable().describe('null when the person already had an account'),
            }),
            ...errorReplies,
          },
        },
      },
      async (request, reply) =>
        reply.status(201).send(
          await inviteMember(deps, {
            ...request.body,
            workspaceId: request.params.workspaceId,
            actorUserId: requireAuth(request).userId,
          }),
        ),
    );

    app.post(
      '/members/:userId/password-reset',
      {
        config: { access: 'admin' },
        schema: {
          operationId: 'resetMemberPassword',
          tags,
          summary: "Issue a one-time link to set a member's password (their sessions end when it is used)",
          params: memberParams,
          response: { 201: linkReply, ...errorReplies },
        },
      },
      async (request, reply) => {
        const auth = requireAuth(request);
        return reply.status(201).send(
          await resetMemberPassword(deps, {
            workspaceId: request.params.workspaceId,
            userId: request.params.userId,
            actorUserId: auth.userId,
            actorIsInstanceAdmin: auth.isInstanceAdmin,
          }),
        );
      },
    );
  };
}
