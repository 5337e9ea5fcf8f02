/**
 * Saves a workspace's check-back schedule and analytics calendar. The schedule applies to posts
 * tracked from now on; a new time zone or first day of the week rebuilds the roll-ups, whose periods
 * follow that calendar.
 */
import { analyticsSettings } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { invalidField } from '../../errors.ts';
import { canonicalTimeZone } from '../stats/day-window.ts';
import { type AnalyticsSettings, getAnalyticsSettings } from './analytics-settings.ts';
import { formatScheduleEntry, parseSchedule } from './check-schedule.ts';
import { rebuildRollups } from './rebuild-rollups.ts';

export function settingsView(s: AnalyticsSettings) {
  return {
    schedule: s.checkScheduleMinutes.map(formatScheduleEntry),
    timeZone: s.timeZone,
    weekStartsOn: s.weekStartsOn,
  };
}

export async function updateCheckBackSettings(
  deps: Deps,
  options: {
    workspaceId: string;
    schedule?: string[] | undefined;
    timeZone?: string | undefined;
    weekStartsOn?: number | undefined;
  },
) {
  const before = await getAnalyticsSettings(deps.db, options.workspaceId);
  let timeZone = before.timeZone;
  if (options.timeZone !== undefined) {
    const zone = canonicalTimeZone(options.timeZone);
    if (!zone)
      throw invalidField('timeZone', `"${options.timeZone}" is not an IANA time zone (e.g. Europe/Paris)`);
    timeZone = zone;
  }
  const next: AnalyticsSettings = {
    checkScheduleMinutes: options.schedule
      ? parseSchedule(options.schedule, 'schedule')
      : before.checkScheduleMinutes,
    timeZone,
    weekStartsOn: options.weekStartsOn ?? before.weekStartsOn,
  };
  const rebuild = next.timeZone !== before.timeZone || next.weekStartsOn !== before.weekStartsOn;
  await deps.db.transaction(async (tx) => {
    await tx
      .insert(analyticsSettings)
      .values({ workspaceId: options.workspaceId, ...next })
      .onConflictDoUpdate({ target: analyticsSettings.workspaceId, set: next });
    if (rebuild) await rebuildRollups(tx, { workspaceId: options.workspaceId, settings: next });
  });
  return settingsView(next);
}
