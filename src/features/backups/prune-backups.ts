/**
 * Backup retention: the newest backup of each of the last `keepDaily` days that have one, and the
 * newest of each of the last `keepWeekly` ISO weeks, are kept; every other backup is removed.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';

export const BACKUP_PREFIX = 'herald-backup-';

/** `herald-backup-2026-12-06T03-30-00Z` → its time, or null for anything else. */
export function backupTime(name: string): Date | null {
  const m = /^herald-backup-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})Z$/.exec(name);
  if (!m) return null;
  const at = new Date(`${m[1]}T${m[2]}:${m[3]}:${m[4]}Z`);
  return Number.isNaN(at.getTime()) ? null : at;
}

function isoWeek(at: Date): string {
  const d = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  return `${d.getUTCFullYear()}-W${Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7)}`;
}

/** Which backup folders to keep (pure, so the policy is tested by a table of cases). */
export function chooseBackupsToKeep(
  names: string[],
  options: { keepDaily: number; keepWeekly: number },
): Set<string> {
  const dated = names
    .map((name) => ({ name, at: backupTime(name) }))
    .filter((b): b is { name: string; at: Date } => b.at !== null)
    .sort((a, b) => b.at.getTime() - a.at.getTime());
  const keep = new Set<string>();
  const days = new Set<string>();
  const weeks = new Set<string>();
  for (const b of dated) {
    const day = b.at.toISOString().slice(0, 10);
    if (!days.has(day) && days.size < options.keepDaily) {
      days.add(day);
      keep.add(b.name);
    }
  }
  for (const b of dated) {
    const week = isoWeek(b.at);
    if (!weeks.has(week) && weeks.size < options.keepWeekly) {
      weeks.add(week);
      keep.add(b.name);
    }
  }
  return keep;
}

/** Removes the backups the policy doesn't keep; returns their names. Other files are left alone. */
export async function pruneBackups(
  root: string,
  options: { keepDaily: number; keepWeekly: number },
): Promise<string[]> {
  const names = (await readdir(root).catch(() => [])).filter((n) => backupTime(n) !== null);
  const keep = chooseBackupsToKeep(names, options);
  const removed = names.filter((n) => !keep.has(n));
  for (const name of removed) await rm(path.join(root, name), { recursive: true, force: true });
  return removed;
}

/** The newest finished backup folder under `root`, if any. */
export async function newestBackup(root: string): Promise<string | null> {
  const names = (await readdir(root).catch(() => []))
    .filter((n) => backupTime(n) !== null)
    .sort()
    .reverse();
  return names[0] ? path.join(root, names[0]) : null;
}
