/**
 * The caller's API tokens. A token cannot create tokens: a leaked token must not be able to mint
 * itself a longer-lived successor, so creation needs a logged-in session (or the CLI). Listing and
 * revoking work with either, so a script can revoke its own credentials after a leak.
 */
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { requireAuth } from '../../http/auth.ts';
import type { Routes } from '../../http/plugin.ts';
import { errorReplies } from '../../http/schemas.ts';
import { createApiToken } from './create-api-token.ts';
import { listApiTokens } from './list-api-tokens.ts';
import { revokeApiToken } from './revoke-api-token.ts';
import { createTokenBody, newTokenReply, tokenParams, tokensReply } from './tokens.schemas.ts';

export function tokenRoutes(deps: Deps): Routes {
  return async (app) => {
    app.post(
      '/api/tokens',
      {
        schema: {
          tags: ['tokens'],
          summary: 'Create an API token (needs a session); the token is shown only in this reply',
          body: createTokenBody,
          response: { 201: newTokenReply, ...errorReplies },
        },
      },
      async (request, reply) => {
        const auth = requireAuth(request);
        if (auth.via === 'token') {
          throw new AppError('forbidden', 'API tokens cannot create API tokens; log in to create one');
        }
        const token = await createApiToken(deps, { userId: auth.userId, ...request.body });
        return reply.status(201).send(token);
      },
    );

    app.get(
      '/api/tokens',
      {
        schema: {
          tags: ['tokens'],
          summary: "The caller's API tokens (never the tokens themselves)",
          response: { 200: tokensReply, ...errorReplies },
        },
      },
      async (request) => {
        const auth = requireAuth(request);
        return { tokens: await listApiTokens(deps, { userId: auth.userId }) };
      },
    );

    app.delete(
      '/api/tokens/:id',
      {
        schema: {
          tags: ['tokens'],
          summary: "Revoke one of the caller's API tokens",
          params: tokenParams,
          response: { 204: z.null(), ...errorReplies },
        },
      },
      async (request, reply) => {
        const auth = requireAuth(request);
        await revokeApiToken(deps, { userId: auth.userId, tokenId: request.params.id });
        return reply.status(204).send(null);
      },
    );
  };
}
