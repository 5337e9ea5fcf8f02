/**
 * What each kind of source is configured with, validated at the edge (HTTP, CLI) and again when a
 * collection run reads the stored row.
 */
import { z } from 'zod';

export const redditListings = ['hot', 'new', 'top', 'rising'] as const;
export const redditTimes = ['hour', 'day', 'week', 'month', 'year', 'all'] as const;

export const redditConfig = z.object({
  subreddit: z
    .string()
    .regex(/^[A-Za-z0-9_]{2,21}(\+[A-Za-z0-9_]{2,21})*$/, 'a subreddit name such as "selfhosted" (or a+b)'),
  listing: z.enum(redditListings).default('hot'),
  /** Only for `top`. */
  time: z.enum(redditTimes).default('day'),
  limit: z.number().int().min(1).max(100).default(25),
  minScore: z.number().int().min(0).default(0),
  minComments: z.number().int().min(0).default(0),
  /** Keep only posts with one of these flairs (case-insensitive); empty keeps all. */
  flairs: z.array(z.string().min(1).max(64)).max(20).default([]),
  /** Keep only posts whose title or body contains one of these (case-insensitive); empty keeps all. */
  keywords: z.array(z.string().min(1).max(64)).max(20).default([]),
  /** Top comments kept as context. */
  comments: z.number().int().min(0).max(20).default(5),
  /** Read as this connected Reddit account; without it, application-only OAuth with the workspace's Reddit app. */
  connectionId: z.uuid().optional(),
});

export const rssConfig = z.object({
  url: z.url({ protocol: /^https?$/ }).max(2000),
  limit: z.number().int().min(1).max(100).default(25),
});

export const sandboxConfig = z.object({
  /** The sandbox account whose posts are collected. */
  username: z
    .string()
    .regex(/^[a-z0-9_]{1,32}$/i, 'a sandbox username')
    .transform((s) => s.toLowerCase()),
  limit: z.number().int().min(1).max(100).default(25),
});

export type RedditConfig = z.infer<typeof redditConfig>;
export type RssConfig = z.infer<typeof rssConfig>;
export type SandboxConfig = z.infer<typeof sandboxConfig>;

export const configSchemas = { reddit: redditConfig, rss: rssConfig, sandbox: sandboxConfig } as const;

/** One thing a source offered, before de-duplication. */
export type CollectedItem = {
  externalId: string;
  title: string;
  body: string;
  url: string | null;
  author: string | null;
  score: number | null;
  commentsCount: number | null;
  context: { author: string | null; body: string; score: number | null }[];
  createdAt: Date | null;
};

/** What one fetch returned: the items, and state for the next fetch (validators for conditional GET). */
export type FetchResult = {
  items: CollectedItem[];
  fetchState: Record<string, unknown>;
  /** The source said nothing changed (HTTP 304). */
  notModified: boolean;
  /** External ids the source reports as removed (Reddit removed/deleted). */
  goneIds: string[];
};
