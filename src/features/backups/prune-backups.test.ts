import { describe, expect, it } from 'vitest';
import { backupTime, chooseBackupsToKeep } from './prune-backups.ts';

const name = (iso: string) => `herald-backup-${iso.replaceAll(':', '-')}`;

describe('backup retention', () => {
  it('reads a backup folder name back into its time, and nothing else', () => {
    expect(backupTime('herald-backup-2026-12-06T03-30-00Z')?.toISOString()).toBe('2026-12-06T03:30:00.000Z');
    expect(backupTime('.herald-backup-2026-12-06T03-30-00Z.partial')).toBeNull();
    expect(backupTime('notes.txt')).toBeNull();
  });

  it.each([
    {
      case: 'keeps the newest backup of each of the last N days',
      backups: [
        '2026-12-06T03:30:00Z',
        '2026-12-06T12:00:00Z',
        '2026-12-05T03:30:00Z',
        '2026-12-04T03:30:00Z',
      ],
      keepDaily: 2,
      keepWeekly: 0,
      kept: ['2026-12-06T12:00:00Z', '2026-12-05T03:30:00Z'],
    },
    {
      case: 'keeps one per ISO week beyond the daily window',
      backups: [
        '2026-12-06T03:30:00Z', // Sunday, week 49
        '2026-12-05T03:30:00Z',
        '2026-11-29T03:30:00Z', // Sunday, week 48
        '2026-11-23T03:30:00Z', // Monday, week 48
        '2026-11-16T03:30:00Z', // week 47
        '2026-11-09T03:30:00Z', // week 46
      ],
      keepDaily: 1,
      keepWeekly: 3,
      kept: ['2026-12-06T03:30:00Z', '2026-11-29T03:30:00Z', '2026-11-16T03:30:00Z'],
    },
    {
      case: 'seven daily and four weekly by default keep at most eleven',
      backups: Array.from({ length: 40 }, (_, i) =>
        new Date(Date.UTC(2026, 10, 1 + i, 3, 30)).toISOString().replace('.000', ''),
      ),
      keepDaily: 7,
      keepWeekly: 4,
      kept: null,
    },
  ])('$case', ({ backups, keepDaily, keepWeekly, kept }) => {
    const keep = chooseBackupsToKeep(backups.map(name), { keepDaily, keepWeekly });
    if (kept) expect([...keep].sort()).toEqual(kept.map(name).sort());
    else {
      expect(keep.size).toBeLessThanOrEqual(11);
      expect(keep.size).toBeGreaterThanOrEqual(7);
      expect(keep.has(name(backups.at(-1)!))).toBe(true);
    }
  });
});
