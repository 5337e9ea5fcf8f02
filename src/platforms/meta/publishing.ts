/**
 * Pieces of Meta's container publishing shared by Instagram and Threads: the runtime publishing
 * quota and finding a post again among the account's recent ones.
 */
import { z } from 'zod';
import { type AdapterContext, PlatformError, type RateLimitInfo } from '../types.ts';
import { graphCall } from './graph.ts';

const quotaReply = z.object({
  data: z.array(
    z.object({
      quota_usage: z.number().optional(),
      config: z
        .object({ quota_total: z.number().optional(), quota_duration: z.number().optional() })
        .optional(),
    }),
  ),
});

/** Publishing quotas are rolling windows; Meta does not say when the oldest post leaves it. */
const QUOTA_RETRY_MS = 60 * 60_000;

/**
 * Reads `content_publishing_limit` (Instagram) or `threads_publishing_limit` (Threads) and refuses
 * with `rate_limited` when the account has used it all, before any container is made.
 */
export async function checkPublishingQuota(
  ctx: AdapterContext,
  options: { base: string; path: string; token: string; platform: string },
): Promise<RateLimitInfo | null> {
  const { data } = await graphCall(ctx, quotaReply, {
    what: 'read the publishing quota',
    base: options.base,
    path: options.path,
    token: options.token,
    params: { fields: 'quota_usage,config' },
  });
  const entry = data.data[0];
  const total = entry?.config?.quota_total;
  if (!entry || entry.quota_usage === undefined || total === undefined) return null;
  const info: RateLimitInfo = {
    bucket: 'publishing-24h',
    limit: total,
    remaining: Math.max(0, total - entry.quota_usage),
    resetAt: null,
  };
  if (info.remaining === 0) {
    throw new PlatformError({
      kind: 'rate_limited',
      message: `${options.platform} allows ${total} API posts per ${Math.round((entry.config?.quota_duration ?? 86_400) / 3600)} h and this account has used them`,
      code: 'publishing_limit',
      retryAfter: new Date(ctx.now().getTime() + QUOTA_RETRY_MS),
      rateLimit: info,
    });
  }
  return info;
}

/** Text as compared for reconciling: whitespace collapsed, NFC. */
export function comparableText(text: string | null | undefined): string {
  return (text ?? '').normalize('NFC').replace(/\s+/g, ' ').trim();
}

/** How far back a lost publish is looked for (an interrupted attempt is retried well within this). */
export const RECONCILE_WINDOW_MS = 72 * 3600_000;

export function findRecent<
  T extends { text?: string | null | undefined; timestamp?: string | null | undefined },
>(ctx: AdapterContext, items: T[], text: string): T | null {
  const since = ctx.now().getTime() - RECONCILE_WINDOW_MS;
  const wanted = comparableText(text);
  return (
    items.find((item) => {
      const at = item.timestamp ? Date.parse(item.timestamp) : Number.NaN;
      return comparableText(item.text) === wanted && (Number.isNaN(at) || at >= since);
    }) ?? null
  );
}

/** Progress of a container-based publish (Instagram, Threads), kept as `pending` state between runs. */
export type ContainerState = {
  /** Carousel item containers, in media order. */
  children: (string | null)[];
  /** The container of the part being published. */
  container: string | null;
  /** Media ids published so far: the first post, then each reply. */
  posted: string[];
  resumes: number;
};

/**
 * Reads saved state defensively (it went through JSON and the database): keeps at most `keep` child
 * containers and pads the list with empty slots up to `slots`.
 */
export function readContainerState(
  raw: Record<string, unknown> | null,
  options: { keep: number; slots: number },
): ContainerState {
  const s = (raw ?? {}) as Partial<ContainerState>;
  const children = Array.isArray(s.children) ? s.children.slice(0, options.keep) : [];
  while (children.length < options.slots) children.push(null);
  return {
    children,
    container: typeof s.container === 'string' ? s.container : null,
    posted: Array.isArray(s.posted) ? s.posted.filter((id) => typeof id === 'string') : [],
    resumes: typeof s.resumes === 'number' ? s.resumes : 0,
  };
}

/**
 * `DELETE /{id}`. An object that no longer exists (404, or Graph's `(#100) … does not exist`,
 * subcode 33) is what deleting wants, so it is not an error.
 */
export async function deleteObject(
  ctx: AdapterContext,
  options: { base: string; id: string; token: string },
) {
  try {
    await graphCall(ctx, null, {
      what: 'delete post',
      base: options.base,
      method: 'DELETE',
      path: `/${encodeURIComponent(options.id)}`,
      token: options.token,
      accept: [404],
    });
  } catch (error) {
    if (error instanceof PlatformError && error.code === '100/33') return;
    throw error;
  }
}
