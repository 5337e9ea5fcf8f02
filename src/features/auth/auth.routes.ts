/** First-run setup, login and logout, the current user, and the caller's workspaces. */
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { requireAuth } from '../../http/auth.ts';
import type { Routes } from '../../http/plugin.ts';
import { errorReplies, errorReply } from '../../http/schemas.ts';
import { loginBody, loginReply, meReply, setupBody, setupReply, setupStatusReply } from './auth.schemas.ts';
import { createSession } from './create-session.ts';
import { endSession } from './end-session.ts';
import { getCurrentUser } from './get-current-user.ts';
import { login } from './login.ts';
import { clearSessionCookie, setSessionCookie } from './session-cookie.ts';
import { isSetupNeeded, setupInstance } from './setup-instance.ts';
import { workspaceRoutes } from './workspaces.routes.ts';

export function authRoutes(deps: Deps): Routes {
  return async (app) => {
    app.get(
      '/api/setup',
      {
        schema: {
          tags: ['auth'],
          summary: 'Whether first-run setup is still needed',
          security: [],
          response: { 200: setupStatusReply },
        },
      },
      async () => ({ needed: await isSetupNeeded(deps) }),
    );

    app.post(
      '/api/setup',
      {
        schema: {
          tags: ['auth'],
          summary: 'First-run setup: the first user (instance admin) and workspace; logs them in',
          security: [],
          body: setupBody,
          response: { 201: setupReply, ...errorReplies },
        },
      },
      async (request, reply) => {
        const { user, workspace } = await setupInstance(deps, request.body);
        const session = await createSession(deps, {
          userId: user.id,
          userAgent: request.headers['user-agent'],
        });
        setSessionCookie(deps, request, reply, session);
        return reply.status(201).send({ user, workspace, csrfToken: session.csrfToken });
      },
    );

    app.post(
      '/api/auth/login',
      {
        schema: {
          tags: ['auth'],
          operationId: 'login',
          summary: 'Log in with email and password; sets the session cookie',
          security: [],
          body: loginBody,
          response: { 200: loginReply, ...errorReplies, 429: errorReply },
        },
      },
      async (request, reply) => {
        const { user, session } = await login(deps, {
          ...request.body,
          ip: request.ip,
          userAgent: request.headers['user-agent'],
        });
        setSessionCookie(deps, request, reply, session);
        return { user, csrfToken: session.csrfToken };
      },
    );

    app.post(
      '/api/auth/logout',
      {
        schema: {
          tags: ['auth'],
          operationId: 'logout',
          summary: 'End the current session and clear its cookie (a no-op without one)',
          response: { 204: z.null(), 403: errorReply },
        },
      },
      async (request, reply) => {
        if (request.auth?.sessionId) await endSession(deps, { sessionId: request.auth.sessionId });
        clearSessionCookie(deps, request, reply);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/me',
      {
        schema: {
          tags: ['auth'],
          summary: 'The caller, their workspaces, and the CSRF token of a cookie session',
          response: { 200: meReply, 401: errorReply },
        },
      },
      async (request) => {
        const auth = requireAuth(request);
        const me = await getCurrentUser(deps, { userId: auth.userId });
        return { ...me, csrfToken: auth.csrfToken };
      },
    );

    await app.register(workspaceRoutes(deps));
  };
}
