import { z } from 'zod';
import { timestamp } from '../../http/schemas.ts';
import { canonicalTimeZone } from './day-window.ts';

export const statsQuery = z.object({
  /** Where "today" starts and ends; an IANA zone such as Europe/Paris. */
  tz: z
    .string()
    .max(64)
    .default('UTC')
    .transform((value, ctx) => {
      const zone = canonicalTimeZone(value);
      if (!zone) {
        ctx.addIssue({ code: 'custom', message: `not an IANA time zone (such as Europe/Paris): ${value}` });
        return z.NEVER;
      }
      return zone;
    }),
});

const count = z.number().int();
const rate = z.number().nullable().describe('percentage with one decimal; null when nothing has finished');

export const platformStatsReply = z.object({
  platform: z.string(),
  connectedChannels: count.describe('active channels whose connection is active'),
  scheduled: count.describe('targets waiting to publish (scheduled, retrying, deferred)'),
  publishedToday: count,
  successRate: rate.describe('published / (published + failed + missed) targets, as a percentage'),
  failed: count.describe('targets failed or missed'),
});

export const dashboardStatsReply = z
  .object({
    today: z.object({ timeZone: z.string(), start: timestamp, end: timestamp }),
    totalScheduled: count.describe('posts in status scheduled'),
    publishedToday: count.describe('posts whose published_at falls on today in `tz`'),
    successRate: rate.describe(
      'published / (published + failed + missed) targets (channel posts), as a percentage; the same definition as per platform',
    ),
    failedPosts: count,
    failedTargets: count.describe('targets failed or missed'),
    unknownTargets: count.describe('targets whose outcome is unknown, awaiting reconciliation'),
    waitingReauthTargets: count.describe('targets held until their connection is re-authorised'),
    connectionsExpiringSoon: count.describe(
      'active connections without a refresh token expiring within 7 days',
    ),
    connectionsBroken: count.describe('connections whose status is not active'),
    platforms: z.array(platformStatsReply),
  })
  .meta({ id: 'DashboardStats' });
