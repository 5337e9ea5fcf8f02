/**
 * Engagement and its rate, one formula everywhere:
 *
 *   engagement      = likes + comments + shares + saves   (a figure the platform does not give counts 0)
 *   engagement rate = engagement ÷ impressions            when the platform reports impressions (> 0)
 *                   = engagement ÷ followers              otherwise, the channel's followers at that time
 *
 * Every rate Herald shows says which denominator it used.
 */
import type { RateDenominator } from '../../db/schema.ts';

export type Counters = {
  impressions: number | null;
  likes: number | null;
  comments: number | null;
  shares: number | null;
  saves: number | null;
};

export function engagementOf(m: Pick<Counters, 'likes' | 'comments' | 'shares' | 'saves'>): number {
  return (m.likes ?? 0) + (m.comments ?? 0) + (m.shares ?? 0) + (m.saves ?? 0);
}

export type Rate = { rate: number; numerator: number; denominator: number; denominatorKind: RateDenominator };

/** A post's engagement rate from its cumulative figures, or null when there is no denominator. */
export function engagementRate(m: Counters, followers: number | null): Rate | null {
  const numerator = engagementOf(m);
  if (m.impressions !== null && m.impressions > 0) {
    return {
      rate: numerator / m.impressions,
      numerator,
      denominator: m.impressions,
      denominatorKind: 'impressions',
    };
  }
  if (followers !== null && followers > 0) {
    return { rate: numerator / followers, numerator, denominator: followers, denominatorKind: 'followers' };
  }
  return null;
}
