/**
 * Test and benchmark controls: create accounts and set their fault knobs.
 *
 * These endpoints are open (no authentication) on purpose: the sandbox holds only fake accounts and
 * fake posts, and tests, benchmarks and people trying Herald need to drive it without setup.
 */
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';
import type { Routes } from '../http/plugin.ts';
import { describeAccount, ensureAccount, findAccount, usernameSchema } from './accounts.ts';
import { invalidRequest } from './errors.ts';
import { knobsPatchSchema, readKnobs, updateKnobs } from './knobs.ts';
import type { Site } from './site.ts';

const createAccountBody = z.object({
  username: usernameSchema,
  display_name: z.string().trim().min(1).max(100).optional(),
});

const accountParams = z.object({ username: z.string() });

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw invalidRequest(issue?.path.join('.') || 'body', issue?.message ?? 'invalid');
}

export function adminRoutes(deps: Deps, site: Site): Routes {
  return async (app) => {
    /** 201 with a new account, or 200 with the existing one of that name. */
    app.post('/accounts', async (request, reply) => {
      const body = parse(createAccountBody, request.body);
      const { account, created } = await ensureAccount(deps, {
        username: body.username,
        displayName: body.display_name,
      });
      return reply.status(created ? 201 : 200).send(describeAccount(account, site.base(request)));
    });

    app.get('/accounts/:username/knobs', { schema: { params: accountParams } }, async (request) => {
      const account = await findAccount(deps, request.params.username.toLowerCase());
      if (!account) throw notFound('account');
      return { knobs: readKnobs(account.knobs) };
    });

    app.put('/accounts/:username/knobs', { schema: { params: accountParams } }, async (request) => {
      const patch = parse(knobsPatchSchema, request.body ?? {});
      const account = await findAccount(deps, request.params.username.toLowerCase());
      if (!account) throw notFound('account');
      const { knobs, expiredTokens, revokedTokens } = await updateKnobs(deps, {
        accountId: account.id,
        patch,
      });
      return { knobs, expired_tokens: expiredTokens, revoked_tokens: revokedTokens };
    });
  };
}
