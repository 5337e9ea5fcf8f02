/** The sandbox account's own figures: `GET /api/me/stats` (followers, following, posts). */
import { z } from 'zod';
import { sendToPlatform } from '../kit/send.ts';
import { type AdapterContext, type ChannelStats, type Credentials, PlatformError } from '../types.ts';

const statsReply = z.object({ followers: z.number(), following: z.number(), posts: z.number() });

export async function readSandboxChannelStats(
  ctx: AdapterContext,
  credentials: Credentials,
): Promise<ChannelStats> {
  const base = ctx.app.baseUrl?.replace(/\/+$/, '');
  if (!base)
    throw new PlatformError({ kind: 'invalid', message: 'the Sandbox platform app has no base URL' });
  const what = 'read account stats';
  const { response, body } = await sendToPlatform(ctx, what, `${base}/api/me/stats`, {
    method: 'GET',
    headers: { accept: 'application/json', authorization: `Bearer ${credentials.accessToken}` },
  });
  if (!response.ok) {
    const status = response.status;
    const message = `${what}: the sandbox answered ${status}`;
    if (status === 401 || status === 403) throw new PlatformError({ kind: 'auth', message, status });
    if (status === 429) throw new PlatformError({ kind: 'rate_limited', message, status, retryAfter: null });
    throw new PlatformError({ kind: status >= 500 ? 'transient' : 'invalid', message, status });
  }
  const parsed = statsReply.safeParse(body);
  if (!parsed.success) throw new PlatformError({ kind: 'transient', message: `${what}: unexpected reply` });
  return { ...parsed.data, views: null, raw: parsed.data };
}
