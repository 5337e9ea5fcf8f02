/** A workspace's analytics settings (check-back schedule, time zone, first day of the week). */
import { eq } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { analyticsSettings, DEFAULT_CHECK_SCHEDULE_MINUTES } from '../../db/schema.ts';

export type AnalyticsSettings = {
  checkScheduleMinutes: number[];
  timeZone: string;
  /** 1 Monday … 7 Sunday. */
  weekStartsOn: number;
};

export const DEFAULT_ANALYTICS_SETTINGS: AnalyticsSettings = {
  checkScheduleMinutes: DEFAULT_CHECK_SCHEDULE_MINUTES,
  timeZone: 'UTC',
  weekStartsOn: 1,
};

/** The workspace's settings, or the defaults when it never saved any. */
export async function getAnalyticsSettings(db: Queryable, workspaceId: string): Promise<AnalyticsSettings> {
  const [row] = await db
    .select({
      checkScheduleMinutes: analyticsSettings.checkScheduleMinutes,
      timeZone: analyticsSettings.timeZone,
      weekStartsOn: analyticsSettings.weekStartsOn,
    })
    .from(analyticsSettings)
    .where(eq(analyticsSettings.workspaceId, workspaceId));
  return row ?? DEFAULT_ANALYTICS_SETTINGS;
}
