/**
 * The Facebook user behind a Facebook Login connection and the Pages they manage
 * (`GET /me/accounts`, followed page by page with the `after` cursor).
 */
import { z } from 'zod';
import type { AdapterContext } from '../types.ts';
import { facebookGraphBase } from './facebook-login.ts';
import { graphCall } from './graph.ts';

/** Enough for anyone's Pages without looping forever on a misbehaving cursor. */
const MAX_PAGES_OF_RESULTS = 20;

const userReply = z.object({
  id: z.string(),
  name: z.string().optional(),
  picture: z.object({ data: z.object({ url: z.string().optional() }).optional() }).optional(),
});

export async function readFacebookUser(ctx: AdapterContext, token: string) {
  const { data } = await graphCall(ctx, userReply, {
    what: 'read profile',
    base: facebookGraphBase(ctx),
    path: '/me',
    token,
    params: { fields: 'id,name,picture{url}' },
  });
  return {
    externalId: data.id,
    username: null,
    displayName: data.name ?? null,
    avatarUrl: data.picture?.data?.url ?? null,
  };
}

const pagesReply = z.object({
  data: z.array(z.record(z.string(), z.unknown())),
  paging: z
    .object({ cursors: z.object({ after: z.string().optional() }).optional(), next: z.string().optional() })
    .optional(),
});

/** Every Page the user manages, with the requested fields. */
export async function listManagedPages(
  ctx: AdapterContext,
  token: string,
  fields: string,
): Promise<Record<string, unknown>[]> {
  const pages: Record<string, unknown>[] = [];
  let after: string | undefined;
  for (let i = 0; i < MAX_PAGES_OF_RESULTS; i++) {
    const { data } = await graphCall(ctx, pagesReply, {
      what: 'list Pages',
      base: facebookGraphBase(ctx),
      path: '/me/accounts',
      token,
      params: { fields, limit: 100, after },
    });
    pages.push(...data.data);
    after = data.paging?.cursors?.after;
    if (!data.paging?.next || !after) break;
  }
  return pages;
}
